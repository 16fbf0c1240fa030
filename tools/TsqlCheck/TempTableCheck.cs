using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace TsqlCheck;

/// <summary>
/// Columns of temporary tables. DacFx checks the column list of an INSERT into a #table and nothing else
/// about them: <c>SELECT x.Nope FROM #x AS x</c>, <c>UPDATE #x SET Nope = 1</c> and every column of a table made
/// by SELECT INTO validate cleanly, and SQL Server only fails them at the procedure's first run. This checks
/// <c>alias.column</c> references, bare names in an outermost query over one #table, INSERT / OUTPUT INTO
/// column lists and UPDATE SET targets against the #tables
/// the same procedure (or migration batch) creates, by CREATE TABLE, SELECT INTO or ALTER TABLE ADD. A character
/// column a CREATE TABLE or ALTER TABLE ADD gives a #table must name its collation (CheckCollation).
/// </summary>
public static class TempTableCheck
{
  private sealed class Temp
  {
    public HashSet<string> Columns { get; } = new(StringComparer.OrdinalIgnoreCase);
    public bool Open { get; set; } // SELECT * INTO or an unnamed column: the names are not all known
    public int Definitions { get; set; }
  }

  public static List<Diagnostic> Run(IReadOnlyList<Unit> units)
  {
    var problems = new List<Diagnostic>();
    foreach (var unit in units)
    {
      var temps = new Dictionary<string, Temp>(StringComparer.OrdinalIgnoreCase);
      foreach (var (src, statement) in unit.Statements)
        statement.Accept(new Definitions(src, temps, problems));
      if (temps.Count == 0) continue;
      foreach (var (src, statement) in unit.Statements)
        statement.Accept(new References(src, temps, problems));
    }
    return problems;
  }

  private static bool IsTemp(SchemaObjectName? name) => name?.BaseIdentifier?.Value.StartsWith('#') ?? false;

  private sealed class Definitions(Src src, Dictionary<string, Temp> temps, List<Diagnostic> problems)
    : TSqlFragmentVisitor
  {
    private Temp Define(SchemaObjectName name, TSqlFragment at, bool created)
    {
      if (!temps.TryGetValue(name.BaseIdentifier.Value, out var temp)) temps[name.BaseIdentifier.Value] = temp = new Temp();
      // CREATE TABLE (Learn): "If more than one temporary table is created inside a single stored procedure or
      // batch, they must have different names." The procedure then fails to compile (Msg 2714).
      if (created && ++temp.Definitions == 2)
        problems.Add(new Diagnostic(src.At(at), "Msg2714",
          $"temporary table {name.BaseIdentifier.Value} is created twice in one procedure or batch"));
      return temp;
    }

    public override void ExplicitVisit(CreateTableStatement node)
    {
      base.ExplicitVisit(node);
      if (!IsTemp(node.SchemaObjectName) || node.Definition == null) return;
      var temp = Define(node.SchemaObjectName, node, true);
      foreach (var c in node.Definition.ColumnDefinitions)
      {
        temp.Columns.Add(c.ColumnIdentifier.Value);
        CheckCollation(node.SchemaObjectName, c);
      }
    }

    private static readonly HashSet<SqlDataTypeOption> Characters =
    [
      SqlDataTypeOption.Char, SqlDataTypeOption.VarChar, SqlDataTypeOption.Text,
      SqlDataTypeOption.NChar, SqlDataTypeOption.NVarChar, SqlDataTypeOption.NText,
    ];

    // Modified Features (Contained Database), Learn: "In non-contained databases, temporary table data is collated
    // in the collation of tempdb". Our database's collation (docs/DEPLOY.md) is rarely the server's, and comparing
    // such a column with one of the database's fails (Msg 468); COLLATE DATABASE_DEFAULT takes the database's.
    private void CheckCollation(SchemaObjectName table, ColumnDefinition column)
    {
      if (column.Collation == null && column.DataType is SqlDataTypeReference { SqlDataTypeOption: var type } &&
          Characters.Contains(type))
        problems.Add(new Diagnostic(src.At(column), "Msg468",
          $"{table.BaseIdentifier.Value}.{column.ColumnIdentifier.Value} takes tempdb's collation, not the database's: " +
          "comparing it with a column of the database fails where the two differ; declare its COLLATE (DATABASE_DEFAULT)"));
    }

    public override void ExplicitVisit(SelectStatement node)
    {
      base.ExplicitVisit(node);
      if (!IsTemp(node.Into)) return;
      var temp = Define(node.Into, node, false);
      var query = node.QueryExpression;
      while (query is not QuerySpecification)
      {
        query = query switch
        {
          BinaryQueryExpression b => b.FirstQueryExpression,
          QueryParenthesisExpression p => p.QueryExpression,
          _ => null,
        };
        if (query == null)
        {
          temp.Open = true;
          return;
        }
      }
      foreach (var element in ((QuerySpecification)query).SelectElements)
      {
        var name = element switch
        {
          SelectScalarExpression { ColumnName: { } alias } => alias.Value,
          SelectScalarExpression { Expression: ColumnReferenceExpression c } => c.MultiPartIdentifier?.Identifiers[^1].Value,
          _ => null,
        };
        if (name == null) temp.Open = true;
        else temp.Columns.Add(name);
      }
    }

    public override void ExplicitVisit(AlterTableAddTableElementStatement node)
    {
      base.ExplicitVisit(node);
      if (!IsTemp(node.SchemaObjectName) || !temps.TryGetValue(node.SchemaObjectName.BaseIdentifier.Value, out var temp)) return;
      foreach (var c in node.Definition.ColumnDefinitions)
      {
        temp.Columns.Add(c.ColumnIdentifier.Value);
        CheckCollation(node.SchemaObjectName, c);
      }
    }
  }

  private sealed class References(Src src, Dictionary<string, Temp> temps, List<Diagnostic> problems)
    : TSqlFragmentVisitor
  {
    // Innermost query first: alias -> its #table, or null for any other table source (which shadows).
    private readonly List<Dictionary<string, Temp?>> scopes = [];

    private Temp? TempOf(SchemaObjectName name) =>
      IsTemp(name) && temps.TryGetValue(name.BaseIdentifier.Value, out var temp) && !temp.Open ? temp : null;

    private void Check(Temp temp, Identifier column, string table)
    {
      if (!temp.Columns.Contains(column.Value))
        problems.Add(new Diagnostic(src.At(column), "Msg207", $"invalid column name {column.Value}: {table} has no such column"));
    }

    private static void Aliases(TableReference? reference, Dictionary<string, Temp?> scope, Func<SchemaObjectName, Temp?> tempOf)
    {
      switch (reference)
      {
        case JoinTableReference j:
          Aliases(j.FirstTableReference, scope, tempOf);
          Aliases(j.SecondTableReference, scope, tempOf);
          break;
        case JoinParenthesisTableReference p:
          Aliases(p.Join, scope, tempOf);
          break;
        case NamedTableReference n:
          scope[n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value] = tempOf(n.SchemaObject);
          break;
        case TableReferenceWithAlias { Alias: { } alias }:
          scope[alias.Value] = null;
          break;
      }
    }

    private Dictionary<string, Temp?> Scope(FromClause? from)
    {
      var scope = new Dictionary<string, Temp?>(StringComparer.OrdinalIgnoreCase);
      if (from != null) foreach (var t in from.TableReferences) Aliases(t, scope, TempOf);
      return scope;
    }

    private void Within(Dictionary<string, Temp?> scope, Action visit)
    {
      scopes.Insert(0, scope);
      try
      {
        visit();
      }
      finally
      {
        scopes.RemoveAt(0);
      }
    }

    public override void ExplicitVisit(QuerySpecification node) => Within(Scope(node.FromClause), () => base.ExplicitVisit(node));

    /// <summary>The #table an UPDATE / DELETE / INSERT / MERGE target names, directly or through an alias.</summary>
    private Temp? TargetTemp(TableReference target, Dictionary<string, Temp?> scope) =>
      target is NamedTableReference n
        ? TempOf(n.SchemaObject) ??
          (n.SchemaObject.SchemaIdentifier == null && scope.TryGetValue(n.SchemaObject.BaseIdentifier.Value, out var t) ? t : null)
        : null;

    public override void ExplicitVisit(UpdateSpecification node)
    {
      var scope = Scope(node.FromClause);
      if (node.Target is NamedTableReference n && !scope.ContainsKey(n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value))
        Aliases(n, scope, TempOf);
      if (TargetTemp(node.Target, scope) is { } temp)
        foreach (var set in node.SetClauses.OfType<AssignmentSetClause>())
          if (set.Column?.MultiPartIdentifier is { } id) Check(temp, id.Identifiers[^1], Name(node.Target));
      Within(scope, () => base.ExplicitVisit(node));
    }

    public override void ExplicitVisit(DeleteSpecification node)
    {
      var scope = Scope(node.FromClause);
      if (node.Target is NamedTableReference n && !scope.ContainsKey(n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value))
        Aliases(n, scope, TempOf);
      Within(scope, () => base.ExplicitVisit(node));
    }

    public override void ExplicitVisit(InsertSpecification node)
    {
      if (TargetTemp(node.Target, []) is { } temp)
        foreach (var c in node.Columns)
          Check(temp, c.MultiPartIdentifier.Identifiers[^1], Name(node.Target));
      base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(OutputIntoClause node)
    {
      if (node.IntoTable is NamedTableReference n && TempOf(n.SchemaObject) is { } temp)
        foreach (var c in node.IntoTableColumns)
          Check(temp, c.MultiPartIdentifier.Identifiers[^1], n.SchemaObject.BaseIdentifier.Value);
      base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(MergeSpecification node)
    {
      var scope = new Dictionary<string, Temp?>(StringComparer.OrdinalIgnoreCase);
      Aliases(node.TableReference, scope, TempOf);
      if (node.Target is NamedTableReference n)
        scope[node.TableAlias?.Value ?? n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value] = TempOf(n.SchemaObject);
      Within(scope, () => base.ExplicitVisit(node));
    }

    private int orderBy;

    // ORDER BY may name a select-list alias instead of a column.
    public override void ExplicitVisit(OrderByClause node)
    {
      orderBy++;
      base.ExplicitVisit(node);
      orderBy--;
    }

    public override void ExplicitVisit(ColumnReferenceExpression node)
    {
      base.ExplicitVisit(node);
      var ids = node.MultiPartIdentifier?.Identifiers;
      // A bare name in an outermost query over one #table alone can only be that table's column (in a
      // subquery it could also be an outer query's).
      if (ids is { Count: 1 } && node.ColumnType == ColumnType.Regular && orderBy == 0 && scopes.Count == 1 &&
          scopes[0].Count == 1 && scopes[0].Values.Single() is { } only)
      {
        Check(only, ids[0], scopes[0].Keys.Single());
        return;
      }
      if (ids is not { Count: 2 }) return;
      foreach (var scope in scopes)
      {
        if (!scope.TryGetValue(ids[0].Value, out var temp)) continue;
        if (temp != null) Check(temp, ids[1], ids[0].Value);
        return;
      }
    }

    private static string Name(TableReference t) =>
      t is NamedTableReference n ? n.SchemaObject.BaseIdentifier.Value : "the target";
  }
}
