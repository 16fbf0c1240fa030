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

  [GeneratedRegex("[\"‘'](@?[^\"’']+)[\"’']")]
  private static partial Regex Quoted();

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
    // A definition DacFx refuses (say, an undeclared variable) blocks every later addition and cannot be
    // removed again, so the model is built anew without it; this only happens when there is a problem.
    var refused = new HashSet<int>();
    TSqlModel? built = null;
    while (built == null)
    {
      // The collation infra/main.bicep gives a new database: binary, so DacFx resolves names case-sensitively
      // too and a reference spelled in another case than its definition is reported.
      var model = new TSqlModel(version, new TSqlModelOptions { Collation = "Latin1_General_100_BIN2_UTF8" });
      var failed = -1;
      for (var i = 0; i < units.Count && failed < 0; i++)
      {
        if (refused.Contains(i)) continue;
        var name = $"u{i}";
        var synth = synths.TryGetValue(name, out var known) ? known : synths[name] = new Synth(units[i].Code);
        try
        {
          model.AddOrUpdateObjects(synth.Text, name, new TSqlObjectOptions());
        }
        catch (DacModelException ex)
        {
          failed = i;
          // These carry no position: point at the first mention of the name the message quotes, if any.
          foreach (var e in ex.Messages)
          {
            var quoted = Quoted().Match(e.Message);
            var at = units[i].At;
            if (quoted.Success)
            {
              var unitTokens = Src.Parse(synth.Text, out _).ScriptTokenStream;
              var hit = unitTokens.FirstOrDefault(t => string.Equals(Unquote(t.Text), quoted.Groups[1].Value, StringComparison.OrdinalIgnoreCase));
              if (hit != null) at = synth.Map(hit.Line, hit.Column);
            }
            problems.Add(new Diagnostic(at, $"{e.Prefix}{e.Number}", e.Message, label));
          }
        }
      }
      if (failed < 0) built = model;
      else
      {
        refused.Add(failed);
        model.Dispose();
      }
    }
    using var owned = built;
    foreach (var e in built.GetModelErrors())
      problems.Add(new Diagnostic(MapError(synths, e, null), $"{e.Prefix}{e.ErrorCode}", e.Message, label));

    var sources = new Dictionary<string, (string Source, int Line, int Column)>(StringComparer.OrdinalIgnoreCase);
    foreach (var o in built.GetObjects(DacQueryScopes.UserDefined)) Collect(o, sources);
    var tokens = new Dictionary<string, IList<TSqlParserToken>>();
    var seenCount = new Dictionary<(string, string), int>();
    foreach (var message in built.Validate())
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
      // <unnamed>, or an element the model lists under no source (a SELECT INTO column): the first mention of
      // the unresolved name anywhere, else the first unit named like the element.
      var wanted = Parts(reference).LastOrDefault();
      if (wanted != null)
      {
        foreach (var (sourceName, candidate) in synths)
        {
          if (!tokens.TryGetValue(sourceName, out var all))
            tokens[sourceName] = all = Src.Parse(candidate.Text, out _).ScriptTokenStream;
          var hit = all.FirstOrDefault(t => string.Equals(Unquote(t.Text), wanted, StringComparison.OrdinalIgnoreCase));
          if (hit != null) return candidate.Map(hit.Line, hit.Column);
        }
      }
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

  private static string Unquote(string? text) => text == null ? "" :
    text.Length >= 2 && ((text[0] == '[' && text[^1] == ']') || (text[0] == '"' && text[^1] == '"'))
      ? text[1..^1].Replace("]]", "]")
      : text;
}
