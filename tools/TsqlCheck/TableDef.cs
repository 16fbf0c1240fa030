using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace TsqlCheck;

/// <summary>
/// A CREATE TABLE with the later ALTER TABLE ADD / ALTER COLUMN / DROP applied, kept as slices of the files so
/// the model's positions still point into them.
/// </summary>
public sealed class TableDef
{
  private sealed class Part
  {
    public required List<Slice> Code { get; init; }
    public string? ConstraintName { get; init; }
    public bool IsNullability { get; init; }
  }

  private sealed class Element
  {
    public required string Kind { get; init; } // column | constraint | index | other
    public required string? Name { get; init; }
    public required List<Slice> Head { get; set; }
    public List<Part> Parts { get; init; } = [];
    public required Location At { get; init; }
  }

  private readonly string key;
  private readonly Location at;
  private readonly List<Slice> header;
  private readonly List<Slice> trailer;
  private readonly List<Element> elements = [];
  private readonly List<(Src, TSqlStatement)> statements = [];

  public TableDef(Src src, CreateTableStatement s)
  {
    key = Folder.Key(s.SchemaObjectName);
    at = src.At(s);
    statements.Add((src, s));
    var parts = Parts(s.Definition).ToList();
    header = [src.Slice(s.FirstTokenIndex, parts[0].FirstTokenIndex - 1)];
    trailer = [src.Slice(parts[^1].LastTokenIndex + 1, s.LastTokenIndex)];
    foreach (var part in parts) elements.Add(ElementOf(src, part));
  }

  private static IEnumerable<TSqlFragment> Parts(TableDefinition d) =>
    d.ColumnDefinitions.Cast<TSqlFragment>()
      .Concat(d.TableConstraints)
      .Concat(d.Indexes)
      .Concat(d.SystemTimePeriod is { } p ? [p] : [])
      .OrderBy(f => f.FirstTokenIndex);

  private static Element ElementOf(Src src, TSqlFragment fragment) => fragment switch
  {
    ColumnDefinition c => Column(src, c),
    ConstraintDefinition c => new Element
    {
      Kind = "constraint", Name = c.ConstraintIdentifier?.Value, Head = [src.Slice(c)], At = src.At(c),
    },
    IndexDefinition i => new Element { Kind = "index", Name = i.Name?.Value, Head = [src.Slice(i)], At = src.At(i) },
    _ => new Element { Kind = "other", Name = null, Head = [src.Slice(fragment)], At = src.At(fragment) },
  };

  /// <summary>A column as its head (name, type, collation) and the parts after it, each removable.</summary>
  private static Element Column(Src src, ColumnDefinition c)
  {
    var element = new Element { Kind = "column", Name = c.ColumnIdentifier.Value, Head = [], At = src.At(c) };
    if (c.DataType == null)
    {
      element.Head = [src.Slice(c)]; // computed column: ALTER COLUMN cannot change it
      return element;
    }
    var headEnd = Math.Max(c.DataType.LastTokenIndex, c.Collation?.LastTokenIndex ?? 0);
    element.Head = [src.Slice(c.FirstTokenIndex, headEnd)];
    var subs = new List<TSqlFragment>();
    if (c.IdentityOptions != null) subs.Add(c.IdentityOptions);
    if (c.DefaultConstraint != null) subs.Add(c.DefaultConstraint);
    subs.AddRange(c.Constraints);
    if (c.Index != null) subs.Add(c.Index);
    subs.Sort((a, b) => a.FirstTokenIndex.CompareTo(b.FirstTokenIndex));
    var next = headEnd + 1;
    foreach (var sub in subs)
    {
      // "CONSTRAINT name" is part of the constraint's fragment; whatever lies between parts is kept as is.
      if (sub.FirstTokenIndex > next)
        element.Parts.Add(new Part { Code = [src.Slice(next, sub.FirstTokenIndex - 1)] });
      element.Parts.Add(new Part
      {
        Code = [src.Slice(sub)],
        ConstraintName = (sub as ConstraintDefinition)?.ConstraintIdentifier?.Value ?? (sub as IndexDefinition)?.Name?.Value,
        IsNullability = sub is NullableConstraintDefinition,
      });
      next = sub.LastTokenIndex + 1;
    }
    if (next <= c.LastTokenIndex) element.Parts.Add(new Part { Code = [src.Slice(next, c.LastTokenIndex)] });
    return element;
  }

  private Element? Find(string kind, string name) =>
    elements.FirstOrDefault(e => e.Kind == kind && string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

  public bool HasInlineIndex(string name) => Find("index", name) != null;

  public bool RemoveInlineIndex(string name) =>
    Find("index", name) is { } e && elements.Remove(e);

  public void Add(Src src, AlterTableAddTableElementStatement s, Folder folder)
  {
    statements.Add((src, s));
    var lenient = src.File.Role == FileRole.Optional;
    foreach (var part in Parts(s.Definition))
    {
      var element = ElementOf(src, part);
      if (element.Name != null && Find(element.Kind, element.Name) is { } existing)
      {
        if (lenient) elements.Remove(existing);
        else folder.Problem(src, part, $"{key} already has a {element.Kind} named {element.Name}");
      }
      elements.Add(element);
    }
  }

  public void AlterColumn(Src src, AlterTableAlterColumnStatement s, Folder folder)
  {
    statements.Add((src, s));
    if (s.DataType == null) return; // ADD/DROP ROWGUIDCOL, PERSISTED, MASKED ...: the model does not check these
    if (Find("column", s.ColumnIdentifier.Value) is not { } column)
    {
      folder.Problem(src, s, $"ALTER COLUMN: {key} has no column {s.ColumnIdentifier.Value}");
      return;
    }
    var headEnd = Math.Max(s.DataType.LastTokenIndex, s.Collation?.LastTokenIndex ?? 0);
    column.Head = [src.Slice(s.ColumnIdentifier.FirstTokenIndex, headEnd)];
    column.Parts.RemoveAll(p => p.IsNullability);
    var where = src.At(s.ColumnIdentifier);
    if (s.AlterTableAlterColumnOption == AlterTableAlterColumnOption.NotNull)
      column.Parts.Add(new Part { Code = [Slice.Glue(" NOT NULL", where)], IsNullability = true });
    else if (s.AlterTableAlterColumnOption == AlterTableAlterColumnOption.Null)
      column.Parts.Add(new Part { Code = [Slice.Glue(" NULL", where)], IsNullability = true });
  }

  public void Drop(Src src, AlterTableDropTableElementStatement s, Folder folder, Dictionary<string, object> objects)
  {
    statements.Add((src, s));
    foreach (var drop in s.AlterTableDropTableElements)
    {
      var name = drop.Name.Value;
      var removed = drop.TableElementType switch
      {
        TableElementType.Column => Find("column", name) is { } c && elements.Remove(c),
        TableElementType.Index => RemoveInlineIndex(name) || objects.Remove($"index:{key}.{name}"),
        _ => RemoveConstraint(name),
      };
      if (!removed && !drop.IsIfExists) folder.Problem(src, drop, $"DROP {name}: {key} has no such element");
    }
  }

  private bool RemoveConstraint(string name)
  {
    if (Find("constraint", name) is { } table) return elements.Remove(table);
    foreach (var column in elements)
    {
      var part = column.Parts.FirstOrDefault(p => string.Equals(p.ConstraintName, name, StringComparison.OrdinalIgnoreCase));
      if (part != null) return column.Parts.Remove(part);
    }
    return false;
  }

  public Unit ToUnit()
  {
    var code = new List<Slice>(header);
    for (var i = 0; i < elements.Count; i++)
    {
      if (i > 0) code.Add(Slice.Glue(",\n  ", elements[i].At));
      code.AddRange(elements[i].Head);
      foreach (var part in elements[i].Parts) code.AddRange(part.Code);
    }
    code.AddRange(trailer);
    return new Unit { Name = key, Code = code, At = at, Statements = statements };
  }
}
