using System.Runtime.CompilerServices;
using Apache.Arrow;
using Feast.Transformations;
using Feast.Values;

namespace Feast.Offline;

/// <summary>
/// A retrieval that computes on-demand features over another job's point-in-time join: streams the inner job's record
/// batches and, per batch, runs each requested on-demand view on every row, appends the requested outputs, and drops the
/// implicit input columns. Output columns: the entity columns, the stored features in request order, then the on-demand
/// outputs in request order (Feast's order).
/// </summary>
internal sealed class OnDemandRetrievalJob : RetrievalJob
{
    private readonly RetrievalJob _inner;
    private readonly IReadOnlyList<FeatureViewRequest> _views;
    private readonly IReadOnlyList<(OnDemandRequest Request, OnDemandTransform Transform)> _onDemand;
    private readonly bool _fullFeatureNames;

    /// <summary>Wraps <paramref name="inner"/>, the join of <paramref name="resolved"/>'s views (implicit inputs included).</summary>
    /// <exception cref="FeastException">A view's transformation cannot run (see <see cref="OnDemandTransforms.Get"/>), or an output type has no Arrow column.</exception>
    public OnDemandRetrievalJob(RetrievalJob inner, ResolvedFeatures resolved, bool fullFeatureNames)
    {
        _inner = inner;
        _views = resolved.Views;
        _fullFeatureNames = fullFeatureNames;
        _onDemand = [.. resolved.OnDemand.Select(r => (r, OnDemandTransforms.Get(r.View)))];
        foreach (var (request, _) in _onDemand)
        {
            foreach (var feature in request.Features)
                ArrowColumns.TypeOf(feature.Dtype);
        }
    }

    /// <summary>
    /// Checks that <paramref name="columns"/> (the entity data's) include every request-source field of the requested
    /// on-demand views.
    /// </summary>
    /// <exception cref="RequestDataNotFoundInEntityDfException">A view's request field is not a column; names the view and every missing column.</exception>
    public static void CheckRequestColumns(IEnumerable<OnDemandRequest> onDemand, IReadOnlyCollection<string> columns)
    {
        var available = columns.ToHashSet(StringComparer.Ordinal);
        foreach (var request in onDemand)
        {
            var missing = request.View.RequestSources.SelectMany(s => s.Schema).Select(f => f.Name)
                .Where(name => !available.Contains(name)).Distinct(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
                throw new RequestDataNotFoundInEntityDfException(request.View.Name, missing);
        }
    }

    /// <inheritdoc/>
    /// <remarks>The inner store's statement: on-demand features are computed after it runs.</remarks>
    public override string ToSql() => _inner.ToSql();

    /// <inheritdoc/>
    public override async IAsyncEnumerable<RecordBatch> ToArrowAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Plan? plan = null;
        await foreach (var batch in _inner.ToArrowAsync(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            plan ??= CreatePlan(batch.Schema);
            yield return Transform(plan, batch);
        }
    }


    /// <summary>Where each input is in the joined batches, which columns are kept, and the output schema.</summary>
    private Plan CreatePlan(Schema schema)
    {
        var columns = schema.FieldsList.Select(f => f.Name).ToList();
        CheckRequestColumns(_onDemand.Select(o => o.Request), columns);

        var implicitColumns = _views.Where(v => v.Implicit)
            .SelectMany(v => v.Features.Select(f => v.OutputName(f, _fullFeatureNames)))
            .ToHashSet(StringComparer.Ordinal);
        var kept = Enumerable.Range(0, schema.FieldsList.Count).Where(i => !implicitColumns.Contains(columns[i])).ToArray();
        var fields = kept.Select(i => schema.GetFieldByIndex(i)).ToList();

        var views = new List<ViewPlan>(_onDemand.Count);
        foreach (var (request, transform) in _onDemand)
        {
            var inputs = new List<Input>();
            foreach (var projection in request.View.SourceProjections)
                inputs.AddRange(SourceInputs(request.View, projection, schema));
            foreach (var field in request.View.RequestSources.SelectMany(s => s.Schema))
                inputs.Add(new Input(schema.GetFieldIndex(field.Name), field.Name, field.Dtype.ValueType, [field.Name]));

            var outputs = request.Features.Select(f => (Feature: f, Column: request.OutputName(f, _fullFeatureNames))).ToArray();
            fields.AddRange(outputs.Select(o => new Apache.Arrow.Field(o.Column, ArrowColumns.TypeOf(o.Feature.Dtype), nullable: true)));
            views.Add(new ViewPlan(transform, [.. inputs], outputs));
        }
        return new Plan(kept, new Schema(fields, schema.Metadata), views);
    }

    /// <summary>
    /// The columns holding <paramref name="projection"/>'s features: the explicitly requested column when the feature was
    /// also asked for under the same name, otherwise the implicit <c>{source}__{feature}</c> column.
    /// </summary>
    private IEnumerable<Input> SourceInputs(OnDemandFeatureView view, FeatureViewProjection projection, Schema schema)
    {
        var requests = _views.Where(v => v.View.Name == projection.Name && v.NameToUse == projection.NameToUse).ToList();
        var sourceView = requests.FirstOrDefault()?.View
            ?? throw new FeastException($"On demand feature view '{view.Name}': its source '{projection.NameToUse}' was not joined (an internal error).");
        foreach (var wanted in projection.Features.Count > 0 ? projection.Features : sourceView.Features)
        {
            var feature = sourceView.Features.First(f => f.Name == wanted.Name);
            var request = requests.FirstOrDefault(r => !r.Implicit && r.Features.Any(f => f.Name == feature.Name))
                ?? requests.First(r => r.Implicit && r.Features.Any(f => f.Name == feature.Name));
            var column = request.OutputName(feature, _fullFeatureNames);
            var index = schema.GetFieldIndex(column);
            if (index < 0)
                throw new FeastException($"On demand feature view '{view.Name}': the offline store's result has no column '{column}' for its input {projection.NameToUse}:{feature.Name}.");
            yield return new Input(index, column, feature.Dtype.ValueType, [feature.Name, $"{projection.NameToUse}__{feature.Name}"]);
        }
    }

    private static RecordBatch Transform(Plan plan, RecordBatch batch)
    {
        var arrays = new List<IArrowArray>(plan.Schema.FieldsList.Count);
        arrays.AddRange(plan.Kept.Select(batch.Column));
        foreach (var view in plan.Views)
        {
            var sources = view.Inputs.Select(i => batch.Column(i.Index)).ToArray();
            var values = view.Outputs.Select(_ => new List<object?>(batch.Length)).ToArray();
            for (var row = 0; row < batch.Length; row++)
            {
                var inputs = new Dictionary<string, object?>(view.Inputs.Length * 2, StringComparer.Ordinal);
                for (var i = 0; i < view.Inputs.Length; i++)
                {
                    var input = view.Inputs[i];
                    var value = Read(view, input, sources[i], row);
                    foreach (var key in input.Keys)
                        inputs[key] = value;
                }
                var outputs = view.Transform.Apply(inputs);
                for (var o = 0; o < view.Outputs.Length; o++)
                    values[o].Add(outputs[view.Outputs[o].Feature.Name]);
            }
            for (var o = 0; o < view.Outputs.Length; o++)
                arrays.Add(ArrowColumns.Build(view.Outputs[o].Feature.Dtype, values[o]));
        }
        return new RecordBatch(plan.Schema, arrays, batch.Length);
    }

    private static object? Read(ViewPlan view, Input input, IArrowArray array, int row)
    {
        try
        {
            return TransformValues.Normalize(ArrowValues.GetObject(array, row), input.Type, input.Column);
        }
        catch (FeastValidationException e)
        {
            throw new OnDemandTransformationException(view.Transform.View.Name,
                $"On demand feature view '{view.Transform.View.Name}' cannot read its input: {e.Message}", e);
        }
    }

    /// <summary>An input of a transformation: a joined column, its declared type, and the input names it is given under.</summary>
    private sealed record Input(int Index, string Column, ValueType Type, string[] Keys);

    private sealed record ViewPlan(OnDemandTransform Transform, Input[] Inputs, (Field Feature, string Column)[] Outputs);

    private sealed record Plan(int[] Kept, Schema Schema, IReadOnlyList<ViewPlan> Views);
}
