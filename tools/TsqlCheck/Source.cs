using System.Text;
using System.Text.RegularExpressions;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace TsqlCheck;

public enum FileRole
{
  Migration,
  Object,
  // sql/optional: run by a DBA against an existing table shaped like one of ours, so an ADD or CREATE INDEX
  // of a name that already exists replaces it instead of failing.
  Optional,
}

public sealed record Location(string File, int Line, int Column)
{
  public override string ToString() => $"{File}:{Line}:{Column}";
}

public sealed record Diagnostic(Location At, string Code, string Message, string Where = "")
{
  public override string ToString() =>
    $"{At}: {Code}: {Message}{(Where.Length > 0 ? $" [{Where}]" : "")}";
}

public sealed class SqlFile(string path, string display, FileRole role)
{
  public string Path { get; } = path;
  public string Display { get; } = display;
  public FileRole Role { get; } = role;
  public string Text { get; } = File.ReadAllText(path);
}

/// <summary>
/// One parsed batch. <see cref="Text"/> is the batch preceded by as many line breaks as there are lines before
/// it in its file, so every position ScriptDom reports is the file's own line and column. A batch parsed out
/// of a string literal (<c>EXEC (N'CREATE SCHEMA x')</c>) is anchored: all its positions map to the EXEC.
/// </summary>
public sealed class Src
{
  public required SqlFile File { get; init; }
  public required string Text { get; init; }
  public required TSqlScript Script { get; init; }
  public Location? Anchor { get; init; }
  public IList<TSqlParserToken> Tokens => Script.ScriptTokenStream;

  public Location At(int line, int column) => Anchor ?? new Location(File.Display, line, column);

  public Location At(TSqlFragment fragment) => At(fragment.StartLine, fragment.StartColumn);

  public Slice Slice(int firstToken, int lastToken)
  {
    var first = Tokens[firstToken];
    var last = Tokens[lastToken];
    var text = Text.Substring(first.Offset, last.Offset + last.Text.Length - first.Offset);
    return new Slice(text, At(first.Line, first.Column), Anchor != null);
  }

  public Slice Slice(TSqlFragment fragment) => Slice(fragment.FirstTokenIndex, fragment.LastTokenIndex);

  // Statements and T-SQL batches are parsed the way the migration runner sends them.
  public static TSqlScript Parse(string text, out IList<ParseError> errors) =>
    (TSqlScript)new TSql170Parser(true).Parse(new StringReader(text), out errors);
}

/// <summary>
/// Text copied from a file at a known position (or glue text written by the tool, pinned to one position).
/// </summary>
public sealed record Slice(string Text, Location At, bool Pinned)
{
  public static Slice Glue(string text, Location at) => new(text, at, true);
}

/// <summary>
/// A script assembled from slices; maps any line and column of the assembled text back to its file.
/// </summary>
public sealed class Synth
{
  private readonly List<(int Line, int Column, Slice Slice)> segments = [];
  private readonly StringBuilder text = new();
  private int line = 1;
  private int column = 1;

  public Synth(IEnumerable<Slice> slices)
  {
    foreach (var slice in slices) Append(slice);
  }

  public string Text => text.ToString();

  private void Append(Slice slice)
  {
    segments.Add((line, column, slice));
    text.Append(slice.Text);
    foreach (var ch in slice.Text)
    {
      if (ch == '\n')
      {
        line++;
        column = 1;
      }
      else
      {
        column++;
      }
    }
  }

  public Location Map(int atLine, int atColumn)
  {
    var found = segments[0];
    foreach (var segment in segments)
    {
      if (segment.Line < atLine || (segment.Line == atLine && segment.Column <= atColumn)) found = segment;
      else break;
    }
    var (segLine, segColumn, slice) = found;
    if (slice.Pinned) return slice.At;
    // Verbatim text: the same line breaks as in the file, so later lines keep their columns.
    return atLine == segLine
      ? slice.At with { Column = slice.At.Column + (atColumn - segColumn) }
      : slice.At with { Line = slice.At.Line + (atLine - segLine), Column = atColumn };
  }
}

public static partial class Batches
{
  // The split src/db/mssql/warehouse.ts (splitBatches) makes: a line holding only GO (and perhaps ';').
  [GeneratedRegex(@"^\s*GO\s*;?\s*$", RegexOptions.IgnoreCase)]
  private static partial Regex GoLine();

  public static IEnumerable<(int StartLine, string Text)> Split(string text)
  {
    var lines = text.Split('\n');
    var start = 0;
    for (var i = 0; i <= lines.Length; i++)
    {
      if (i < lines.Length && !GoLine().IsMatch(lines[i].TrimEnd('\r'))) continue;
      var body = string.Join('\n', lines[start..i]);
      if (body.Trim().Length > 0) yield return (start + 1, body);
      start = i + 1;
    }
  }
}
