using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace TsqlCheck;

/// <summary>
/// Argument lists against the final procedure and function definitions. DacFx's model does not check these
/// (an EXEC with too many arguments or a function call with too few validates cleanly); SQL Server fails them
/// when the calling module first runs (Msg 8144, 201) or is created (Msg 313).
/// </summary>
public static class ParamCheck
{
  private sealed record Signature(string Kind, List<(string Name, bool HasDefault)> Parameters);

  public static List<Diagnostic> Run(IReadOnlyList<Unit> units)
  {
    var signatures = new Dictionary<string, Signature>(StringComparer.OrdinalIgnoreCase);
    foreach (var unit in units)
    {
      foreach (var (_, statement) in unit.Statements)
      {
        switch (statement)
        {
          case ProcedureStatementBody p when p.ProcedureReference?.Name is { } name:
            signatures[Folder.Key(name)] = new Signature("procedure",
              p.Parameters.Select(x => (x.VariableName.Value, x.Value != null)).ToList());
            break;
          case FunctionStatementBody f when f.Name is { } name:
            signatures[Folder.Key(name)] = new Signature("function",
              f.Parameters.Select(x => (x.VariableName.Value, x.Value != null)).ToList());
            break;
        }
      }
    }
    var problems = new List<Diagnostic>();
    foreach (var unit in units)
      foreach (var (src, statement) in unit.Statements)
        statement.Accept(new Visitor(src, signatures, problems));
    return problems;
  }

  private sealed class Visitor(Src src, Dictionary<string, Signature> signatures, List<Diagnostic> problems)
    : TSqlFragmentVisitor
  {
    private void Problem(TSqlFragment at, string code, string message) =>
      problems.Add(new Diagnostic(src.At(at), code, message));

    public override void ExplicitVisit(ExecutableProcedureReference node)
    {
      base.ExplicitVisit(node);
      if (node.ProcedureReference?.ProcedureReference?.Name is not { } name) return;
      if (!signatures.TryGetValue(Folder.Key(name), out var sig) || sig.Kind != "procedure") return;
      var key = Folder.Key(name);
      var given = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
      var position = 0;
      foreach (var arg in node.Parameters)
      {
        if (arg.Variable != null)
        {
          if (!sig.Parameters.Any(p => string.Equals(p.Name, arg.Variable.Name, StringComparison.OrdinalIgnoreCase)))
            Problem(arg, "Msg8145", $"{arg.Variable.Name} is not a parameter of procedure {key}");
          given.Add(arg.Variable.Name);
        }
        else if (position >= sig.Parameters.Count)
        {
          Problem(arg, "Msg8144", $"procedure {key} has too many arguments specified ({sig.Parameters.Count} parameters)");
        }
        else
        {
          given.Add(sig.Parameters[position].Name);
          position++;
        }
      }
      foreach (var p in sig.Parameters.Where(p => !p.HasDefault && !given.Contains(p.Name)))
        Problem(node, "Msg201", $"procedure {key} expects parameter {p.Name}, which was not supplied");
    }

    private void CheckFunction(TSqlFragment at, SchemaObjectName name, int count)
    {
      if (!signatures.TryGetValue(Folder.Key(name), out var sig) || sig.Kind != "function") return;
      if (count < sig.Parameters.Count)
        Problem(at, "Msg313", $"an insufficient number of arguments were supplied for function {Folder.Key(name)} ({count} of {sig.Parameters.Count}; write DEFAULT for a parameter's default)");
      else if (count > sig.Parameters.Count)
        Problem(at, "Msg8144", $"function {Folder.Key(name)} has too many arguments specified ({count} for {sig.Parameters.Count})");
    }

    public override void ExplicitVisit(FunctionCall node)
    {
      base.ExplicitVisit(node);
      if (node.CallTarget is not MultiPartIdentifierCallTarget target) return;
      var ids = target.MultiPartIdentifier.Identifiers;
      var name = new SchemaObjectName { Identifiers = { ids[^1], node.FunctionName } };
      CheckFunction(node, name, node.Parameters.Count);
    }

    public override void ExplicitVisit(SchemaObjectFunctionTableReference node)
    {
      base.ExplicitVisit(node);
      CheckFunction(node, node.SchemaObject, node.Parameters.Count);
    }
  }
}
