using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace TsqlCheck;

/// <summary>
/// Query shapes PostgreSQL accepts and SQL Server refuses when the statement compiles (for a statement over
/// #tables, at its first run), none of which DacFx's model reports:
/// <list type="bullet">
/// <item>Msg 130: an aggregate over an expression holding a subquery or another aggregate.</item>
/// <item>Msg 4109: a windowed function inside an aggregate.</item>
/// <item>Msg 8155 / 8156: a derived table or common table expression (without a column list) with an unnamed
/// column, or a column name twice.</item>
/// </list>
/// (ORDER BY in a derived table without TOP or OFFSET, Msg 1033, is refused by ScriptDom's parser already.)
/// </summary>
public static class QueryShapeCheck
{
  public static List<Diagnostic> Run(IReadOnlyList<Unit> units) =>
    Queries.VisitAll(units, (src, problems) => new Visitor(src, problems));

  private sealed class Visitor(Src src, List<Diagnostic> problems) : TSqlFragmentVisitor
  {
    private void Add(TSqlFragment at, string code, string message) => problems.Add(new Diagnostic(src.At(at), code, message));

    /// <summary>The names a derived table's or CTE's columns take from its select list.</summary>
    private void Named(QueryExpression? query, Identifier? name, IList<Identifier>? columns)
    {
      if (query == null || name == null || columns is { Count: > 0 }) return;
      var first = query;
      while (first is BinaryQueryExpression or QueryParenthesisExpression)
        first = first is BinaryQueryExpression b ? b.FirstQueryExpression : ((QueryParenthesisExpression)first).QueryExpression;
      if (first is not QuerySpecification spec) return;
      var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
      var position = 0;
      foreach (var element in spec.SelectElements)
      {
        position++;
        var column = element switch
        {
          SelectScalarExpression { ColumnName: { } alias } => alias.Value,
          SelectScalarExpression { Expression: ColumnReferenceExpression c } => c.MultiPartIdentifier?.Identifiers[^1].Value,
          SelectScalarExpression => "",
          _ => null, // * or a variable assignment: not known here
        };
        if (column == null) continue;
        if (column.Length == 0)
          Add(element, "Msg8155", $"column {position} of {name.Value} has no name: SQL Server requires one");
        else if (!seen.Add(column))
          Add(element, "Msg8156", $"column {column} is named twice in {name.Value}: SQL Server requires distinct names");
      }
    }

    public override void ExplicitVisit(QueryDerivedTable node)
    {
      Named(node.QueryExpression, node.Alias, node.Columns);
      base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(CommonTableExpression node)
    {
      Named(node.QueryExpression, node.ExpressionName, node.Columns);
      base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(FunctionCall node)
    {
      base.ExplicitVisit(node);
      if (!Queries.IsAggregate(node)) return;
      var inside = new Inside();
      foreach (var p in node.Parameters) p.Accept(inside);
      if (inside.SubqueryOrAggregate is { } nested)
        Add(nested, "Msg130",
          $"{node.FunctionName.Value.ToUpperInvariant()} aggregates an expression holding a subquery or an aggregate: SQL Server refuses it");
      if (inside.Windowed is { } windowed)
        Add(windowed, "Msg4109",
          $"a windowed function inside {node.FunctionName.Value.ToUpperInvariant()}: SQL Server refuses it");
    }
  }

  private sealed class Inside : TSqlFragmentVisitor
  {
    public TSqlFragment? SubqueryOrAggregate { get; private set; }
    public TSqlFragment? Windowed { get; private set; }

    public override void ExplicitVisit(ScalarSubquery node) => SubqueryOrAggregate ??= node;

    public override void ExplicitVisit(FunctionCall node)
    {
      if (node.OverClause != null) Windowed ??= node;
      else if (Queries.IsAggregate(node)) SubqueryOrAggregate ??= node;
      base.ExplicitVisit(node);
    }
  }
}
