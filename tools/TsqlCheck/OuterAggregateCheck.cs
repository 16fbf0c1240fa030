using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace TsqlCheck;

/// <summary>
/// Aggregates that mix an outer reference with columns of their own query. SQL Server refuses them when the
/// statement compiles (Msg 8124: "if an expression being aggregated contains an outer reference, then that outer
/// reference must be the only column referenced in the expression"), which for a statement over #tables is at
/// run time; DacFx's model validates them cleanly and PostgreSQL accepts them. An APPLY's right side sees the
/// left side's columns as outer references. A column is placed by its table alias: the aggregate's own query
/// (the innermost FROM that names the alias) or an enclosing one; a bare column name is taken as the query's
/// own, so nothing is reported that is not certain.
/// </summary>
public static class OuterAggregateCheck
{
  public static List<Diagnostic> Run(IReadOnlyList<Unit> units) =>
    Queries.VisitAll(units, (src, problems) => new Visitor(src, problems));

  private sealed class Visitor(Src src, List<Diagnostic> problems) : TSqlFragmentVisitor
  {
    // Innermost query first: the table aliases its FROM clause names.
    private readonly List<HashSet<string>> scopes = [];

    private static void Aliases(TableReference? reference, HashSet<string> scope)
    {
      switch (reference)
      {
        case JoinTableReference j:
          Aliases(j.FirstTableReference, scope);
          Aliases(j.SecondTableReference, scope);
          break;
        case JoinParenthesisTableReference p:
          Aliases(p.Join, scope);
          break;
        case NamedTableReference n:
          scope.Add(n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value);
          break;
        case TableReferenceWithAlias { Alias: { } alias }:
          scope.Add(alias.Value);
          break;
      }
    }

    private void Within(FromClause? from, TableReference? target, Action visit)
    {
      var scope = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
      if (from != null) foreach (var t in from.TableReferences) Aliases(t, scope);
      Aliases(target, scope);
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

    public override void ExplicitVisit(QuerySpecification node) => Within(node.FromClause, null, () => base.ExplicitVisit(node));

    public override void ExplicitVisit(UpdateSpecification node) => Within(node.FromClause, node.Target, () => base.ExplicitVisit(node));

    public override void ExplicitVisit(DeleteSpecification node) => Within(node.FromClause, node.Target, () => base.ExplicitVisit(node));

    public override void ExplicitVisit(FunctionCall node)
    {
      base.ExplicitVisit(node);
      if (!Queries.IsAggregate(node)) return;
      var columns = new ColumnsOf();
      foreach (var p in node.Parameters) p.Accept(columns);
      string? outer = null, inner = null;
      foreach (var c in columns.Found)
      {
        var ids = c.MultiPartIdentifier.Identifiers;
        var text = string.Join('.', ids.Select(i => i.Value));
        if (ids.Count < 2)
        {
          inner ??= text;
          continue;
        }
        var level = scopes.FindIndex(s => s.Contains(ids[^2].Value));
        if (level == 0) inner ??= text;
        else if (level > 0) outer ??= text;
      }
      if (outer != null && inner != null)
        problems.Add(new Diagnostic(src.At(node), "Msg8124",
          $"{node.FunctionName.Value.ToUpperInvariant()} aggregates the outer reference {outer} together with {inner} " +
          "of its own query; SQL Server refuses an aggregated expression with an outer reference and other columns"));
    }
  }

  /// <summary>The column references of an expression (an aggregate's argument holds no subquery: Msg 130).</summary>
  private sealed class ColumnsOf : TSqlFragmentVisitor
  {
    public List<ColumnReferenceExpression> Found { get; } = [];

    public override void ExplicitVisit(ColumnReferenceExpression node)
    {
      if (node.ColumnType == ColumnType.Regular && node.MultiPartIdentifier != null) Found.Add(node);
    }
  }
}
