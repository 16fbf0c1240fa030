using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.SqlServer.Dac.Model;
using TsqlCheck;
using SqlFile = TsqlCheck.SqlFile;

// check:tsql: parses every T-SQL batch with ScriptDom's SQL Server 2025 parser, folds migrations and object
// files into the final schema and validates it with DacFx's model for SQL Server 2025 and Azure SQL Database.
// Usage: TsqlCheck [--root DIR] [--target sql2025|azure|all|none] [--parse-only] [--verbose] [--dump] [extra.sql ...]
// Extra files are applied after everything under DIR (test fixtures). --target none skips DacFx's models
// (the parse, the fold and this tool's own argument, #table, aggregate and query-shape checks still run). Exit 0 clean, 1 problems, 2 bad usage.

var root = Directory.GetCurrentDirectory();
var target = "all";
var parseOnly = false;
var dump = false;
var extra = new List<string>();
for (var i = 0; i < args.Length; i++)
{
  switch (args[i])
  {
    case "--root" when i + 1 < args.Length:
      root = Path.GetFullPath(args[++i]);
      break;
    case "--target" when i + 1 < args.Length:
      target = args[++i];
      break;
    case "--verbose":
      ModelCheck.Verbose = true;
      break;
    case "--dump":
      dump = true;
      break;
    case "--parse-only":
      parseOnly = true;
      break;
    case var a when a.StartsWith("--"):
      Console.Error.WriteLine($"unknown option {a}\nusage: TsqlCheck [--root DIR] [--target sql2025|azure|all|none] [--parse-only] [--verbose] [--dump] [extra.sql ...]");
      return 2;
    default:
      extra.Add(Path.GetFullPath(args[i]));
      break;
  }
}
var targets = new List<(SqlServerVersion Version, string Label)>();
if (target is "all" or "sql2025") targets.Add((SqlServerVersion.Sql170, "SQL Server 2025"));
if (target is "all" or "azure") targets.Add((SqlServerVersion.SqlAzure, "Azure SQL Database"));
if (targets.Count == 0 && target != "none")
{
  Console.Error.WriteLine($"unknown --target {target}");
  return 2;
}

var clock = Stopwatch.StartNew();
var files = Discover(root, extra);
if (files.Count == 0)
{
  Console.Error.WriteLine($"no T-SQL files under {Path.Combine(root, "sql")}");
  return 2;
}

// 1. Parse: every batch, positions in file lines.
var problems = new List<Diagnostic>();
var sources = new List<Src>();
var batches = 0;
foreach (var file in files)
{
  foreach (var (startLine, body) in Batches.Split(file.Text))
  {
    batches++;
    var text = new string('\n', startLine - 1) + body;
    var script = Src.Parse(text, out var errors);
    foreach (var e in errors)
      problems.Add(new Diagnostic(new Location(file.Display, e.Line, e.Column), $"SQL{e.Number}", e.Message, "parse"));
    if (errors.Count == 0) sources.Add(new Src { File = file, Text = text, Script = script });
  }
}
Console.Error.WriteLine($"check:tsql: parsed {files.Count} files, {batches} batches ({clock.ElapsedMilliseconds} ms)");

var suppressed = 0;
if (problems.Count > 0 || parseOnly)
{
  if (problems.Count > 0) Console.Error.WriteLine("check:tsql: model not built: fix the syntax errors first");
}
else
{
  // 2. Fold into the final schema; 3. argument lists; 4. DacFx's model per target platform.
  var folder = new Folder();
  foreach (var src in sources) folder.FoldBatch(src);
  problems.AddRange(folder.Problems);
  var units = folder.Units();
  if (dump) // the folded definitions DacFx is given, to see what the fold made of the files
    foreach (var unit in units) Console.Error.WriteLine($"-- {unit.Name} ({unit.At})\n{new Synth(unit.Code).Text}\nGO");
  problems.AddRange(ParamCheck.Run(units));
  problems.AddRange(TempTableCheck.Run(units));
  problems.AddRange(OuterAggregateCheck.Run(units));
  problems.AddRange(QueryShapeCheck.Run(units));
  var found = new Dictionary<(Location, string, string), List<string>>();
  // The two models are independent: build them side by side (the machine has two cores).
  var results = targets
    .Select(t => Task.Run(() =>
    {
      var result = ModelCheck.Run(t.Version, t.Label, units);
      Console.Error.WriteLine($"check:tsql: {t.Label} model: {units.Count} definitions, {result.Problems.Count} problems ({clock.ElapsedMilliseconds} ms)");
      return result;
    }))
    .ToList();
  foreach (var ((_, label), task) in targets.Zip(results))
  {
    var result = task.Result;
    suppressed += result.Suppressed;
    foreach (var p in result.Problems)
    {
      var key = (p.At, p.Code, p.Message);
      if (!found.TryGetValue(key, out var labels)) found[key] = labels = [];
      if (!labels.Contains(label)) labels.Add(label);
    }
  }
  problems.AddRange(found.Select(f => new Diagnostic(f.Key.Item1, f.Key.Item2, f.Key.Item3, string.Join(", ", f.Value))));
}

var fileOrder = files.Select((f, i) => (f.Display, i)).ToDictionary(x => x.Display, x => x.i);
foreach (var p in problems.Distinct()
           .OrderBy(p => (fileOrder.TryGetValue(p.At.File, out var n) ? n : int.MaxValue))
           .ThenBy(p => p.At.Line).ThenBy(p => p.At.Column))
  Console.WriteLine(p);
var summary = $"check:tsql: {problems.Count} problem(s) in {files.Count} files" +
  (suppressed > 0 ? $"; {suppressed} known false positive(s) suppressed (tools/TsqlCheck/ModelCheck.cs)" : "") +
  $" ({clock.ElapsedMilliseconds} ms)";
Console.Error.WriteLine(summary);
return problems.Count > 0 ? 1 : 0;

static List<SqlFile> Discover(string root, List<string> extra)
{
  string Display(string path) => Path.GetRelativePath(Directory.GetCurrentDirectory(), path).Replace('\\', '/');
  var numbered = new Regex(@"^(\d+)_");
  var mssql = Path.Combine(root, "sql", "mssql");
  var all = Directory.Exists(mssql)
    ? Directory.GetFiles(mssql, "*.sql", SearchOption.AllDirectories)
    : [];
  // A migration is NNNN_*.sql outside objects/; everything else is an object file, applied after them all.
  bool IsMigration(string path) =>
    numbered.IsMatch(Path.GetFileName(path)) &&
    !Path.GetRelativePath(mssql, path).Replace('\\', '/').Split('/').Contains("objects");
  var migrations = all.Where(IsMigration)
    .OrderBy(p => long.Parse(numbered.Match(Path.GetFileName(p)).Groups[1].Value))
    .ThenBy(p => Path.GetFileName(p), StringComparer.Ordinal);
  var objectFiles = all.Where(p => !IsMigration(p)).OrderBy(p => p, StringComparer.Ordinal);
  var optionalDir = Path.Combine(root, "sql", "optional");
  var optional = Directory.Exists(optionalDir)
    ? Directory.GetFiles(optionalDir, "mssql-*.sql").OrderBy(p => p, StringComparer.Ordinal)
    : Enumerable.Empty<string>();
  return migrations.Select(p => new SqlFile(p, Display(p), FileRole.Migration))
    .Concat(objectFiles.Select(p => new SqlFile(p, Display(p), FileRole.Object)))
    .Concat(optional.Select(p => new SqlFile(p, Display(p), FileRole.Optional)))
    .Concat(extra.Select(p => new SqlFile(p, Display(p), FileRole.Object)))
    .ToList();
}
