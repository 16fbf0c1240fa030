using System.Text.RegularExpressions;
using Microsoft.SqlServer.Dac.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace TsqlCheck;

/// <summary>
/// Builds DacFx's model of the folded schema for one target platform and reports every validation message
/// (errors and warnings alike: an unresolved procedure is only a warning to DacFx) at its file and line.
/// </summary>
public static partial class ModelCheck
{
  /// <summary>
  /// Messages that are known to be wrong here, each with its reason. Nothing else is ever ignored.
  /// </summary>
  private static readonly (string Why, Func<int, string, bool> Matches)[] Suppressions =
  [
    (
      // DacFx resolves system objects against master.dacpac (NuGet Microsoft.SqlServer.Dacpacs.Master), which
      // the NuGet mirror of our machines does not serve: without it every sys.* view and system procedure is
      // "unresolved". Only references whose target is a system object are dropped.
      "reference to a system object (needs master.dacpac)",
      (code, reference) => code is 71501 or 71502 && IsSystemReference(reference)
    ),
  ];

  // System procedures our SQL calls; without master.dacpac DacFx offers "[dbo].[sp_x] or [Schema].[sp_x]".
  private static readonly HashSet<string> SystemProcedures = new(StringComparer.OrdinalIgnoreCase)
  {
    "sp_getapplock", "sp_releaseapplock", "sp_executesql", "sp_set_session_context", "sp_describe_first_result_set",
  };

  private static bool IsSystemReference(string reference)
  {
    var parts = Parts(reference);
    if (parts.Count == 0) return false;
    if (parts[0] is "sys" or "INFORMATION_SCHEMA") return true;
    return parts.Count >= 2 && SystemProcedures.Contains(parts[1]);
  }

  [GeneratedRegex(@"\[((?:[^\]]|\]\])*)\]")]
  private static partial Regex BracketPart();

  [GeneratedRegex(@"^Error validating element (?<element>.+?): (?<rest>.*)$", RegexOptions.Singleline)]
  private static partial Regex ValidatingElement();

  [GeneratedRegex(@"\[(?:[^\]]|\]\])*\](?:(?:\.|::)\[(?:[^\]]|\]\])*\])*")]
  private static partial Regex BracketChain();

  private static List<string> Parts(string reference) =>
    BracketPart().Matches(reference).Select(m => m.Groups[1].Value.Replace("]]", "]")).ToList();

  public static bool Verbose { get; set; }

  public sealed record Result(List<Diagnostic> Problems, int Suppressed);

  public static Result Run(SqlServerVersion version, string label, IReadOnlyList<Unit> units)
  {
    var problems = new List<Diagnostic>();
    var suppressed = 0;
    var synths = new Dictionary<string, Synth>();
    using var model = new TSqlModel(version, new TSqlModelOptions());
    for (var i = 0; i < units.Count; i++)
    {
      var name = $"u{i}";
      var synth = new Synth(units[i].Code);
      synths[name] = synth;
      try
      {
        model.AddOrUpdateObjects(synth.Text, name, new TSqlObjectOptions());
      }
      catch (DacModelException ex)
      {
        foreach (var e in ex.Messages)
          problems.Add(new Diagnostic(units[i].At, $"{e.Prefix}{e.Number}", e.Message, label));
      }
    }
    foreach (var e in model.GetModelErrors())
      problems.Add(new Diagnostic(MapError(synths, e, null), $"{e.Prefix}{e.ErrorCode}", e.Message, label));

    var sources = new Dictionary<string, (string Source, int Line, int Column)>(StringComparer.OrdinalIgnoreCase);
    foreach (var o in model.GetObjects(DacQueryScopes.UserDefined)) Collect(o, sources);
    var tokens = new Dictionary<string, IList<TSqlParserToken>>();
    var seenCount = new Dictionary<(string, string), int>();
    foreach (var message in model.Validate())
    {
      var match = ValidatingElement().Match(message.Message);
      var element = match.Success ? match.Groups["element"].Value : "";
      var rest = match.Success ? match.Groups["rest"].Value : message.Message;
      var referenceAt = rest.IndexOf("reference", StringComparison.Ordinal);
      var reference = referenceAt >= 0 ? BracketChain().Match(rest, referenceAt).Value : "";
      var why = Suppressions.FirstOrDefault(s => s.Matches(message.Number, reference)).Why;
      if (why != null)
      {
        suppressed++;
        if (Verbose) Console.Error.WriteLine($"suppressed ({why}): {message.Prefix}{message.Number}: {rest}");
        continue;
      }
      if (Verbose) Console.Error.WriteLine($"model: {message.Message}");
      if (!sources.ContainsKey(element)) element = BracketChain().Match(rest).Value; // "<unnamed>: Index: [s].[t].[i] ..."
      // The same reference reported again is the next mention of it.
      var seen = seenCount.TryGetValue((element, reference), out var n) ? n : 0;
      seenCount[(element, reference)] = seen + 1;
      var at = Locate(element, reference, seen, sources, synths, tokens, units);
      problems.Add(new Diagnostic(at, $"{message.Prefix}{message.Number}", rest.Trim(), label));
    }
    return new Result(problems, suppressed);
  }

  private static void Collect(TSqlObject o, Dictionary<string, (string, int, int)> sources)
  {
    var info = o.GetSourceInformation();
    if (info?.SourceName != null) sources.TryAdd(o.Name.ToString(), (info.SourceName, info.StartLine, info.StartColumn));
    foreach (var child in o.GetChildren(DacQueryScopes.UserDefined)) Collect(child, sources);
  }

  private static Location MapError(Dictionary<string, Synth> synths, DacModelError e, Location? fallback) =>
    e.SourceName != null && synths.TryGetValue(e.SourceName, out var synth) && e.Line > 0
      ? synth.Map(e.Line, Math.Max(e.Column, 1))
      : fallback ?? new Location("(model)", 0, 0);

  /// <summary>
  /// The element's own position, or better the first mention of the unresolved name's last part after it.
  /// </summary>
  private static Location Locate(string element, string reference, int skip,
    Dictionary<string, (string Source, int Line, int Column)> sources, Dictionary<string, Synth> synths,
    Dictionary<string, IList<TSqlParserToken>> tokens, IReadOnlyList<Unit> units)
  {
    if (!sources.TryGetValue(element, out var source))
    {
      // <unnamed> or a name the model does not list: the first unit that mentions it.
      var parts = Parts(element);
      var unit = parts.Count > 0 ? units.FirstOrDefault(u => u.Name.EndsWith(parts[^1], StringComparison.OrdinalIgnoreCase)) : null;
      return unit?.At ?? new Location("(model)", 0, 0);
    }
    var synth = synths[source.Source];
    var name = Parts(reference).LastOrDefault();
    Location? first = null;
    if (name != null)
    {
      if (!tokens.TryGetValue(source.Source, out var list))
        tokens[source.Source] = list = Src.Parse(synth.Text, out _).ScriptTokenStream;
      foreach (var token in list)
      {
        if (token.Line < source.Line || (token.Line == source.Line && token.Column < source.Column)) continue;
        if (!string.Equals(Unquote(token.Text), name, StringComparison.OrdinalIgnoreCase)) continue;
        if (first == null) first = synth.Map(token.Line, token.Column);
        if (skip-- == 0) return synth.Map(token.Line, token.Column);
      }
    }
    return first ?? synth.Map(source.Line, source.Column);
  }

  private static string Unquote(string text) =>
    text.Length >= 2 && ((text[0] == '[' && text[^1] == ']') || (text[0] == '"' && text[^1] == '"'))
      ? text[1..^1].Replace("]]", "]")
      : text;
}
