using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace TsqlCheck;

/// <summary>
/// One definition for DacFx's model: its text (slices of the files) and the statements it came from.
/// </summary>
public sealed class Unit
{
  public required string Name { get; init; }
  public required List<Slice> Code { get; init; }
  public required Location At { get; init; }
  public required List<(Src Src, TSqlStatement Statement)> Statements { get; init; }
}

/// <summary>
/// Folds migrations and object files into the final schema, as DacFx's model wants it: one CREATE per object.
/// ALTER TABLE ADD / ALTER COLUMN / DROP are applied to the table's CREATE TABLE; CREATE OR ALTER and ALTER of
/// a module become its CREATE, the last one winning; a DROP removes the object until it is created again; IF
/// guards and EXEC of a literal are unwrapped. Every other statement of a batch (INSERT, UPDATE, EXEC of a
/// procedure, DECLARE, ...) becomes the body of one synthetic procedure per batch, so the model checks its
/// references too, against the final schema.
/// </summary>
public sealed class Folder
{
  private readonly Dictionary<string, object> objects = new(StringComparer.OrdinalIgnoreCase);
  private readonly List<string> order = [];
  private readonly List<Unit> residualUnits = [];
  public List<Diagnostic> Problems { get; } = [];

  public void FoldBatch(Src src)
  {
    var residual = new List<(Src, TSqlStatement)>();
    foreach (var batch in src.Script.Batches)
      foreach (var statement in batch.Statements)
        Fold(src, statement, false, residual);
    if (residual.Count == 0) return;
    var first = residual[0];
    var at = first.Item1.At(first.Item2);
    var code = new List<Slice>
    {
      Slice.Glue($"CREATE PROCEDURE [dbo].[tsqlcheck statements of {at}] AS\nBEGIN\n", at),
    };
    foreach (var (s, statement) in residual)
    {
      var slice = s.Slice(statement);
      code.Add(slice);
      code.Add(Slice.Glue(slice.Text.TrimEnd().EndsWith(';') ? "\n" : ";\n", slice.At));
    }
    code.Add(Slice.Glue("END", at));
    residualUnits.Add(new Unit { Name = $"statements at {at}", Code = code, At = at, Statements = residual });
  }

  public List<Unit> Units()
  {
    var units = new List<Unit>();
    foreach (var key in order)
    {
      if (!objects.TryGetValue(key, out var value)) continue;
      units.Add(value is TableDef table ? table.ToUnit() : (Unit)value);
    }
    units.AddRange(residualUnits);
    return units;
  }

  private void Problem(Location at, string message) => Problems.Add(new Diagnostic(at, "fold", message));

  private static bool IsTemp(SchemaObjectName? name) => name?.BaseIdentifier?.Value.StartsWith('#') ?? false;

  public static string Key(SchemaObjectName name) =>
    $"{name.SchemaIdentifier?.Value ?? "dbo"}.{name.BaseIdentifier.Value}";

  private static string IndexKey(SchemaObjectName table, string index) => $"index:{Key(table)}.{index}";

  private void Put(string key, object value)
  {
    // Keys are kept in the order of their latest definition (a dropped key may still be listed).
    order.RemoveAll(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
    order.Add(key);
    objects[key] = value;
  }

  private void Fold(Src src, TSqlStatement statement, bool guarded, List<(Src, TSqlStatement)> residual)
  {
    switch (statement)
    {
      case IfStatement s when ContainsDdl(src, s):
        // An IF guard around DDL (IF OBJECT_ID(...) IS NULL CREATE ...): the model holds what it creates.
        Fold(src, s.ThenStatement, true, residual);
        if (s.ElseStatement != null) Fold(src, s.ElseStatement, true, residual);
        return;
      case BeginEndBlockStatement s when ContainsDdl(src, s):
        foreach (var inner in s.StatementList.Statements) Fold(src, inner, guarded, residual);
        return;
      case TryCatchStatement s when ContainsDdl(src, s):
        foreach (var inner in s.TryStatements.Statements) Fold(src, inner, guarded, residual);
        return;
      case ExecuteStatement s when DynamicLiteral(src, s) is { } inner && ContainsDdl(inner, null):
        foreach (var batch in inner.Script.Batches)
          foreach (var innerStatement in batch.Statements)
            Fold(inner, innerStatement, guarded, residual);
        return;
      case ExecuteStatement s when ProcedureName(s) is "sp_rename":
        Problem(src.At(s), "check:tsql cannot follow sp_rename; extend tools/TsqlCheck/Fold.cs");
        return;
    }
    if (!IsDdl(statement))
    {
      residual.Add((src, statement));
      return;
    }
    var at = src.At(statement);
    switch (statement)
    {
      case CreateTableStatement s:
        CreateTable(src, s, guarded);
        return;
      case AlterTableAddTableElementStatement s:
        WithTable(src, s, t => t.Add(src, s, this));
        return;
      case AlterTableAlterColumnStatement s:
        WithTable(src, s, t => t.AlterColumn(src, s, this));
        return;
      case AlterTableDropTableElementStatement s:
        WithTable(src, s, t => t.Drop(src, s, this, objects));
        return;
      case AlterTableStatement:
        // SET (LOCK_ESCALATION), REBUILD, [NO]CHECK CONSTRAINT, SWITCH, ...: nothing the model checks.
        return;
      case IndexStatement s when s is not AlterIndexStatement:
        {
          var key = IndexKey(s.OnName, s.Name.Value);
          var replaces = src.Slice(s).Text.Contains("DROP_EXISTING", StringComparison.OrdinalIgnoreCase);
          if ((objects.ContainsKey(key) || TableHasIndex(s.OnName, s.Name.Value)) && !guarded && !replaces &&
              src.File.Role != FileRole.Optional)
            Problem(at, $"index {s.Name.Value} on {Key(s.OnName)} already exists (Msg 1913)");
          if (TableOf(s.OnName) is { } table) table.RemoveInlineIndex(s.Name.Value);
          Put(key, Simple(src, s, $"index {key}"));
          return;
        }
      case AlterIndexStatement:
        return;
      case DropIndexStatement s:
        foreach (var clause in s.DropIndexClauses)
        {
          var (table, index) = clause switch
          {
            DropIndexClause c => (c.Object, c.Index.Value),
            BackwardsCompatibleDropIndexClause c => (
              new SchemaObjectName { Identifiers = { c.Index.SchemaIdentifier ?? new Identifier { Value = "dbo" }, c.Index.BaseIdentifier } },
              c.Index.ChildIdentifier.Value),
            _ => (null, ""),
          };
          if (table == null) continue;
          var key = IndexKey(table, index);
          if (objects.Remove(key) || (TableOf(table)?.RemoveInlineIndex(index) ?? false)) continue;
          if (!s.IsIfExists && !guarded) Problem(at, $"DROP INDEX {index}: no index of that name on {Key(table)}");
        }
        return;
      case DropObjectsStatement s:
        foreach (var name in s.Objects)
        {
          if (IsTemp(name)) continue;
          var key = Key(name);
          if (objects.Remove(key))
          {
            foreach (var index in objects.Keys.Where(k => k.StartsWith($"index:{key}.", StringComparison.OrdinalIgnoreCase)).ToList())
              objects.Remove(index);
            continue;
          }
          if (!s.IsIfExists && !guarded) Problem(at, $"DROP of {key}, which no earlier statement creates");
        }
        return;
      case DropSchemaStatement s:
        objects.Remove($"schema:{s.Schema.BaseIdentifier.Value}");
        return;
      case DropTypeStatement s:
        objects.Remove($"type:{Key(s.Name)}");
        return;
      case AlterDatabaseStatement:
        // Learn, ALTER DATABASE SET options: "must run in autocommit mode ... isn't allowed in an explicit or
        // implicit transaction"; src/db/batches.ts runs a file in one transaction unless it starts with the
        // no-transaction marker.
        if (!src.File.Text.TrimStart().StartsWith("-- smartpixl:no-transaction"))
          Problem(at, "ALTER DATABASE cannot run inside the transaction this file runs in (see src/db/batches.ts)");
        return;
      case CreateSchemaStatement s:
        Put($"schema:{s.Name.Value}", Simple(src, s, $"schema {s.Name.Value}"));
        return;
      case CreateTypeStatement s:
        Put($"type:{Key(s.Name)}", Simple(src, s, $"type {Key(s.Name)}"));
        return;
    }
    if (statement.GetType().Name.StartsWith("Drop")) return; // DROP ROLE, DROP USER, ...: not modelled
    if (statement is AlterSchemaStatement)
    {
      Problem(at, "check:tsql cannot follow ALTER SCHEMA ... TRANSFER; extend tools/TsqlCheck/Fold.cs");
      return;
    }
    if (statement.GetType().Name.StartsWith("Alter")) return; // ALTER ROLE, ALTER AUTHORIZATION, ...: no schema
    if (ModuleName(statement) is { } module)
    {
      var key = Key(module.Name);
      var exists = objects.ContainsKey(key);
      if (module.Mode == "create" && exists && !guarded)
        Problem(at, $"{key} already exists (Msg 2714): use CREATE OR ALTER");
      if (module.Mode == "alter" && !exists && !guarded)
        Problem(at, $"ALTER of {key}, which no earlier statement creates");
      Put(key, new Unit { Name = key, Code = AsCreate(src, statement), At = at, Statements = [(src, statement)] });
      return;
    }
    // Any other CREATE (synonym, sequence, role, ...): the model takes it as written.
    var objectName = statement switch
    {
      CreateSynonymStatement s => Key(s.Name),
      CreateSequenceStatement s => Key(s.Name),
      _ => $"{statement.GetType().Name}@{at}",
    };
    if (objects.ContainsKey(objectName) && !guarded) Problem(at, $"{objectName} already exists (Msg 2714)");
    Put(objectName, Simple(src, statement, objectName));
  }

  private static Unit Simple(Src src, TSqlStatement statement, string name) => new()
  {
    Name = name,
    Code = [src.Slice(statement)],
    At = src.At(statement),
    Statements = [(src, statement)],
  };

  private TableDef? TableOf(SchemaObjectName name) =>
    objects.TryGetValue(Key(name), out var value) ? value as TableDef : null;

  private bool TableHasIndex(SchemaObjectName table, string index) => TableOf(table)?.HasInlineIndex(index) ?? false;

  private void CreateTable(Src src, CreateTableStatement s, bool guarded)
  {
    var key = Key(s.SchemaObjectName);
    if (objects.ContainsKey(key) && !guarded)
      Problem(src.At(s), $"{key} already exists (Msg 2714)");
    if (s.Definition == null || s.Definition.ColumnDefinitions.Count == 0)
    {
      Put(key, Simple(src, s, key));
      return;
    }
    Put(key, new TableDef(src, s));
  }

  private void WithTable(Src src, AlterTableStatement s, Action<TableDef> action)
  {
    var key = Key(s.SchemaObjectName);
    if (objects.TryGetValue(key, out var value) && value is TableDef table)
    {
      action(table);
      return;
    }
    Problem(src.At(s), $"ALTER TABLE {key}: no earlier statement creates that table");
  }

  public void Problem(Src src, TSqlFragment at, string message) => Problem(src.At(at), message);

  private static string? ProcedureName(ExecuteStatement s) =>
    s.ExecuteSpecification.ExecutableEntity is ExecutableProcedureReference { ProcedureReference.ProcedureReference.Name: { } name }
      ? name.BaseIdentifier.Value.ToLowerInvariant()
      : null;

  /// <summary>EXEC (N'...') of string literals only: the batch it runs, parsed, pinned to the EXEC.</summary>
  private Src? DynamicLiteral(Src src, ExecuteStatement s)
  {
    if (s.ExecuteSpecification.ExecutableEntity is not ExecutableStringList list) return null;
    if (!list.Strings.All(x => x is StringLiteral)) return null;
    var text = string.Concat(list.Strings.Cast<StringLiteral>().Select(x => x.Value));
    var script = Src.Parse(text, out var errors);
    var at = src.At(s);
    foreach (var e in errors) Problems.Add(new Diagnostic(at, $"SQL{e.Number}", $"in EXEC's text: {e.Message}"));
    return errors.Count > 0 ? null : new Src { File = src.File, Text = text, Script = script, Anchor = at };
  }

  private bool ContainsDdl(Src src, TSqlStatement? statement) => statement switch
  {
    null => src.Script.Batches.SelectMany(b => b.Statements).Any(x => ContainsDdl(src, x)),
    IfStatement s => ContainsDdl(src, s.ThenStatement) || (s.ElseStatement != null && ContainsDdl(src, s.ElseStatement)),
    BeginEndBlockStatement s => s.StatementList.Statements.Any(x => ContainsDdl(src, x)),
    TryCatchStatement s => s.TryStatements.Statements.Any(x => ContainsDdl(src, x)),
    ExecuteStatement s => s.ExecuteSpecification.ExecutableEntity is ExecutableStringList list &&
      list.Strings.All(x => x is StringLiteral) &&
      ParseQuietly(string.Concat(list.Strings.Cast<StringLiteral>().Select(x => x.Value))) is { } inner &&
      inner.Batches.SelectMany(b => b.Statements).Any(IsDdl),
    _ => IsDdl(statement),
  };

  private static TSqlScript? ParseQuietly(string text)
  {
    var script = Src.Parse(text, out var errors);
    return errors.Count == 0 ? script : null;
  }

  private static bool IsDdl(TSqlStatement statement) => statement switch
  {
    CreateTableStatement s => !IsTemp(s.SchemaObjectName),
    AlterTableStatement s => !IsTemp(s.SchemaObjectName),
    IndexStatement s => !IsTemp(s.OnName),
    DropIndexStatement s => !s.DropIndexClauses.OfType<DropIndexClause>().Any(c => IsTemp(c.Object)),
    DropObjectsStatement s => !s.Objects.All(IsTemp),
    DropSchemaStatement or DropTypeStatement or AlterDatabaseStatement => true,
    CreateSchemaStatement or CreateTypeStatement or CreateSynonymStatement or CreateSequenceStatement => true,
    CreateStatisticsStatement => true,
    // Any other CREATE, ALTER or DROP (queue, role, user, ...) is schema, not a statement to run.
    _ => ModuleName(statement) != null || statement.GetType().Name.StartsWith("Create") ||
      statement.GetType().Name.StartsWith("Alter") || statement.GetType().Name.StartsWith("Drop"),
  };

  private static (SchemaObjectName Name, string Mode)? ModuleName(TSqlStatement statement) => statement switch
  {
    CreateOrAlterProcedureStatement s => (s.ProcedureReference.Name, "create or alter"),
    AlterProcedureStatement s => (s.ProcedureReference.Name, "alter"),
    CreateProcedureStatement s => (s.ProcedureReference.Name, "create"),
    CreateOrAlterFunctionStatement s => (s.Name, "create or alter"),
    AlterFunctionStatement s => (s.Name, "alter"),
    CreateFunctionStatement s => (s.Name, "create"),
    CreateOrAlterViewStatement s => (s.SchemaObjectName, "create or alter"),
    AlterViewStatement s => (s.SchemaObjectName, "alter"),
    CreateViewStatement s => (s.SchemaObjectName, "create"),
    CreateOrAlterTriggerStatement s => (s.Name, "create or alter"),
    AlterTriggerStatement s => (s.Name, "alter"),
    CreateTriggerStatement s => (s.Name, "create"),
    CreateStatisticsStatement s => (new SchemaObjectName { Identifiers = { new Identifier { Value = "stats" }, new Identifier { Value = $"{Key(s.OnName)}.{s.Name.Value}" } } }, "create or alter"),
    _ => null,
  };

  /// <summary>CREATE OR ALTER x / ALTER x, written as CREATE x (the model takes only CREATE).</summary>
  private static List<Slice> AsCreate(Src src, TSqlStatement statement)
  {
    var tokens = src.Tokens;
    var first = statement.FirstTokenIndex;
    var i = first;
    var words = new List<int>();
    while (i <= statement.LastTokenIndex && words.Count < 3)
    {
      if (tokens[i].TokenType is not (TSqlTokenType.WhiteSpace or TSqlTokenType.SingleLineComment or TSqlTokenType.MultilineComment))
        words.Add(i);
      i++;
    }
    string Word(int n) => n < words.Count ? tokens[words[n]].Text.ToUpperInvariant() : "";
    if (Word(0) == "CREATE" && Word(1) == "OR" && Word(2) == "ALTER")
      return [src.Slice(first, words[0]), src.Slice(words[2] + 1, statement.LastTokenIndex)];
    if (Word(0) == "ALTER")
    {
      var at = src.At(tokens[words[0]].Line, tokens[words[0]].Column);
      return [Slice.Glue("CREATE", at), src.Slice(words[0] + 1, statement.LastTokenIndex)];
    }
    return [src.Slice(statement)];
  }
}
