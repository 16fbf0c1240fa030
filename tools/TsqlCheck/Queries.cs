using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace TsqlCheck;

/// <summary>What the query checks share: visiting every statement, and knowing a grouped aggregate.</summary>
public static class Queries
{
  // The grouped aggregates of the T-SQL reference ("Aggregate functions"); with OVER they are window functions.
  private static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase)
  {
    "APPROX_COUNT_DISTINCT", "AVG", "CHECKSUM_AGG", "COUNT", "COUNT_BIG", "GROUPING", "GROUPING_ID", "MAX", "MIN",
    "STDEV", "STDEVP", "STRING_AGG", "SUM", "VAR", "VARP",
  };

  public static bool IsAggregate(FunctionCall f) =>
    f.OverClause == null && f.CallTarget == null && Aggregates.Contains(f.FunctionName.Value);

  /// <summary>Runs a visitor made for each statement's source over every statement of every unit.</summary>
  public static List<Diagnostic> VisitAll(
    IReadOnlyList<Unit> units, Func<Src, List<Diagnostic>, TSqlFragmentVisitor> visitor)
  {
    var problems = new List<Diagnostic>();
    foreach (var unit in units)
      foreach (var (src, statement) in unit.Statements)
        statement.Accept(visitor(src, problems));
    return problems;
  }
}
