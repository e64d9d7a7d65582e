using System.Runtime.CompilerServices;
using Apache.Arrow;
using Feast.Offline;
using Feast.Permissions;
using Microsoft.AspNetCore.Http;

namespace Feast.Server.OfflineServer;

internal sealed partial class OfflineApis
{
    /// <summary>
    /// <c>persist</c>: runs the retrieval the command describes (<c>retrieve_func</c> and its parameters) and writes the
    /// result to the registered data source <c>data_source_name</c> (a file source: Parquet or CSV at its path), refusing
    /// to replace an existing file unless <c>allow_overwrite</c>. The file is written beside and renamed into place, so an
    /// interrupted persist leaves the old file (or none).
    /// </summary>
    private async Task PersistAsync(OfflineCommand command, PutTable table, HttpContext http, CancellationToken cancellationToken)
    {
        var retrieve = command.String("retrieve_func");
        var targetName = command.String("data_source_name");
        var allowOverwrite = command.Boolean("allow_overwrite");
        RetrievalJob job = retrieve switch
        {
            OfflineApi.GetHistoricalFeatures => await HistoricalAsync(command, table, http, cancellationToken).ConfigureAwait(false),
            OfflineApi.PullAll or OfflineApi.PullLatest =>
                new StreamJob(await PullAsync(command, retrieve == OfflineApi.PullLatest, http, cancellationToken).ConfigureAwait(false)),
            _ => throw new FeastValidationException(
                $"persist cannot run retrieve_func '{ServerErrors.Clip(retrieve)}'; give one of {OfflineApi.GetHistoricalFeatures}, {OfflineApi.PullAll}, {OfflineApi.PullLatest}."),
        };
        var registry = await Store.GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var target = FindSource(registry, targetName);
        await AuthorizeAsync(http, [new SecuredResource(PermissionResourceType.DataSource, target)], WriteOffline, cancellationToken).ConfigureAwait(false);
        if (target is not FileSource file)
            throw new FeastValidationException(
                $"persist writes saved datasets to file sources only on Feast.NET's offline server; '{ServerErrors.Clip(targetName)}' is a {target.SourceTypeName}. Persist to a FileSource.");
        var path = Store.Config.ResolvePath(file.Path);
        if (!allowOverwrite && (File.Exists(path) || Directory.Exists(path)))
            throw new FeastValidationException($"The saved dataset's file '{ServerErrors.Clip(file.Path)}' already exists. Pass allow_overwrite=True to replace it, or persist to another path.");
        if (file.FileFormat == FileFormat.Csv) await job.ToCsvAsync(path, cancellationToken).ConfigureAwait(false);
        else await job.ToParquetAsync(path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A pull's stream as a job, so it exports like a retrieval (read once).</summary>
    private sealed class StreamJob(IAsyncEnumerable<RecordBatch> batches) : RetrievalJob
    {
        public override async IAsyncEnumerable<RecordBatch> ToArrowAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var batch in batches.WithCancellation(cancellationToken).ConfigureAwait(false))
                yield return batch;
        }

        public override string ToSql() => "";
    }
}

/// <summary>
/// The answer of <c>get_table_column_names_and_types_from_data_source</c>: Feast's two string columns <c>name</c> and
/// <c>type</c> (for a file source the Arrow type name, as Python Feast reads Parquet; otherwise the engine's type name),
/// then what a Feast.NET client needs besides: <c>feast_value_type</c> (Feast's ValueType number the store reads the
/// column as), <c>is_timestamp</c> and <c>is_time_like</c>. Python's client reads only the first two.
/// </summary>
internal static class SourceColumnTable
{
    public static RecordBatch ToBatch(DataSource source, IReadOnlyList<SourceColumn> columns)
    {
        var names = new StringArray.Builder();
        var types = new StringArray.Builder();
        var valueTypes = new Int32Array.Builder();
        var timestamps = new BooleanArray.Builder();
        var timeLike = new BooleanArray.Builder();
        foreach (var column in columns)
        {
            names.Append(column.Name);
            types.Append(source is FileSource ? ArrowName(column.Type) ?? column.NativeType : column.NativeType);
            valueTypes.Append((int)column.Type.ValueType);
            timestamps.Append(column.IsTimestamp);
            timeLike.Append(column.IsTimeLike);
        }
        var schema = new Schema.Builder()
            .Field(f => f.Name("name").DataType(Apache.Arrow.Types.StringType.Default).Nullable(false))
            .Field(f => f.Name("type").DataType(Apache.Arrow.Types.StringType.Default).Nullable(false))
            .Field(f => f.Name("feast_value_type").DataType(Apache.Arrow.Types.Int32Type.Default).Nullable(false))
            .Field(f => f.Name("is_timestamp").DataType(Apache.Arrow.Types.BooleanType.Default).Nullable(false))
            .Field(f => f.Name("is_time_like").DataType(Apache.Arrow.Types.BooleanType.Default).Nullable(false))
            .Build();
        return new RecordBatch(schema, [names.Build(), types.Build(), valueTypes.Build(), timestamps.Build(), timeLike.Build()], columns.Count);
    }

    /// <summary>pyarrow's name of the Arrow type a Feast type is stored as, or null when there is no one name.</summary>
    private static string? ArrowName(FeastType type)
    {
        if (type.ElementType is { } element) return ArrowName(element) is { } item ? $"list<item: {item}>" : null;
        return type.Name switch
        {
            "Int32" => "int32",
            "Int64" => "int64",
            "Float32" => "float",
            "Float64" => "double",
            "String" => "string",
            "Bytes" => "binary",
            "Bool" => "bool",
            "UnixTimestamp" => "timestamp[us, tz=UTC]",
            _ => null,
        };
    }
}
