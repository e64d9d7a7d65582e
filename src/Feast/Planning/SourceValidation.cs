using Feast.Offline;

namespace Feast.Planning;

/// <summary>
/// Apply's check of each batch feature view's source against the definitions (what <c>--skip-source-validation</c>
/// skips): what the source names exists, and its event-timestamp, created-timestamp, join-key and feature columns
/// exist after the field mapping, with types the view's can be read as.
/// </summary>
internal static class SourceValidation
{
    /// <summary>The hint every validation error ends with.</summary>
    public const string SkipHint = "To register the definitions without reading the sources, apply with --skip-source-validation (SDK: ApplyOptions.SkipSourceValidation).";

    /// <summary>Checks every batch source of <paramref name="defs"/>' views; returns why it could not when the offline store cannot read schemas, else null.</summary>
    public static async Task<string?> ValidateAsync(RepoDefinitions defs, SourceSchemas schemas, CancellationToken cancellationToken)
    {
        // As in Feast, stream feature views are not checked: their features may be aggregations the source does not hold.
        foreach (var view in defs.FeatureViews)
        {
            var source = view.BatchSource;
            if (!SourceSchemas.IsReadable(source)) continue;
            IReadOnlyList<SourceColumn>? columns;
            try
            {
                columns = await schemas.GetAsync(source, cancellationToken).ConfigureAwait(false);
            }
            catch (FeastException e) when (e is not FeastValidationException)
            {
                throw new DataSourceValidationException($"{e.Message.TrimEnd()} {SkipHint}");
            }
            if (columns is null) return schemas.Unavailable;
            Check(view, source, columns);
        }
        return null;
    }

    private static void Check(FeatureView view, DataSource source, IReadOnlyList<SourceColumn> columns)
    {
        var owner = $"{view.Kind} '{view.Name}'";
        if (source.TimestampField.Length == 0)
            throw new DataSourceValidationException($"{owner}: its source '{source.Name}' has no timestampField. Set timestampField on the source to the event-time column.");
        TimeColumn(owner, source, columns, source.TimestampField, "event timestamp");
        if (source.CreatedTimestampColumn.Length > 0)
            TimeColumn(owner, source, columns, source.CreatedTimestampColumn, "created timestamp");
        foreach (var key in view.EntityColumns)
            ValueColumn(owner, source, columns, key, "join key");
        foreach (var feature in view.Features)
            ValueColumn(owner, source, columns, feature, "feature");
    }

    private static void TimeColumn(string owner, DataSource source, IReadOnlyList<SourceColumn> columns, string name, string role)
    {
        var column = SourceSchemas.Stored(source, columns, name) ?? throw Missing(owner, source, columns, name, role);
        if (!column.IsTimeLike)
            throw new DataSourceValidationException($"{owner}: the {role} column '{column.Name}' of source '{source.Name}' has type {column.NativeType}, which the offline store cannot read as a time. Point the source's {(role == "event timestamp" ? "timestampField" : "createdTimestampColumn")} at a timestamp column, or cast it in the source. {SkipHint}");
    }

    private static void ValueColumn(string owner, DataSource source, IReadOnlyList<SourceColumn> columns, Field field, string role)
    {
        var column = SourceSchemas.Mapped(source, columns, field.Name) ?? throw Missing(owner, source, columns, field.Name, role);
        if (!Compatible(field.Dtype, column.Type))
            throw new DataSourceValidationException($"{owner}: {role} '{field.Name}' is declared {field.Dtype} but column '{column.Name}' of source '{source.Name}' has type {column.NativeType} ({column.Type}). Declare it as new Field(\"{field.Name}\", {CSharp(column.Type)}) or cast the column in the source. {SkipHint}");
    }

    private static string CSharp(FeastType type) =>
        type.ElementType is { } element ? $"FeastType.Array(FeastType.{element.Name})" : $"FeastType.{type.Name}";

    private static DataSourceValidationException Missing(string owner, DataSource source, IReadOnlyList<SourceColumn> columns, string name, string role)
    {
        var stored = source.FieldMapping.FirstOrDefault(m => m.Value == name).Key;
        var what = stored is null ? $"column '{name}'" : $"column '{stored}' (field mapping '{stored}' → '{name}')";
        return new DataSourceValidationException($"{owner}: source '{source.Name}' has no {what}, which holds its {role}. Its columns are: {SourceSchemas.Describe(columns)}. Fix the source, its field_mapping or the view's schema. {SkipHint}");
    }

    /// <summary>
    /// Whether values of a column read as <paramref name="actual"/> can be served as <paramref name="declared"/>: the
    /// same type, or both numbers (widths and float/integer differ freely, as Feast's template declares an int32
    /// column Int64), or both text; lists by their elements. A column the store has no Feast type for is not judged.
    /// </summary>
    internal static bool Compatible(FeastType declared, FeastType actual)
    {
        if (actual == FeastType.Invalid || declared == actual) return true;
        if (declared.ElementType is { } declaredElement)
            return actual.ElementType is { } actualElement && Compatible(declaredElement, actualElement);
        if (actual.ElementType is not null) return false;
        return (Numeric(declared) && Numeric(actual)) || (Text(declared) && Text(actual));
    }

    private static bool Numeric(FeastType type) =>
        type.ValueType is ValueType.Int32 or ValueType.Int64 or ValueType.Float or ValueType.Double or ValueType.Decimal;

    private static bool Text(FeastType type) =>
        type.ValueType is ValueType.String or ValueType.Json or ValueType.Uuid or ValueType.TimeUuid or ValueType.Decimal;
}
