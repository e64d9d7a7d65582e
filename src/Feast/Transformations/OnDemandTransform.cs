namespace Feast.Transformations;

/// <summary>
/// The runnable transformation of one on-demand feature view: takes one row's inputs, returns one value per output
/// feature, typed as the view's schema says. Get one from <see cref="OnDemandTransforms.Get"/>; it is thread-safe.
/// </summary>
public sealed class OnDemandTransform
{
    private readonly Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> _function;

    internal OnDemandTransform(OnDemandFeatureView view, Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> function)
    {
        View = view;
        _function = function;
    }

    /// <summary>The compiled row function (shared by every view with the same source text).</summary>
    internal Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> Function => _function;

    /// <summary>The view this transformation belongs to.</summary>
    public OnDemandFeatureView View { get; }

    /// <summary>
    /// Runs the transformation on one row.
    /// </summary>
    /// <param name="inputs">
    /// The row's inputs: each source feature under both <c>feature</c> and <c>{source}__{feature}</c> (the source's
    /// alias if it has one), and each request-source field by name; values are .NET values of the features' types
    /// (<c>float</c> for Float32, <c>long</c> for Int64, ...), null when missing.
    /// </param>
    /// <returns>
    /// One value per feature of the view's schema, by feature name, converted to the feature's .NET type
    /// (<c>float</c> for Float32, <c>double</c> for Float64, <c>long</c> for Int64, <c>string</c>, <c>bool</c>,
    /// <see cref="DateTimeOffset"/> for UnixTimestamp, arrays for lists); null for missing values.
    /// </returns>
    /// <exception cref="OnDemandTransformationException">
    /// The user code threw (the inner exception), returned null, left out an output, or returned a value that does not
    /// fit an output's type.
    /// </exception>
    public IReadOnlyDictionary<string, object?> Apply(IReadOnlyDictionary<string, object?> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        IReadOnlyDictionary<string, object?>? outputs;
        try
        {
            outputs = _function(inputs);
        }
        catch (Exception e)
        {
            // User code may throw anything; it is reported against the view, never allowed to take the process down.
            throw new OnDemandTransformationException(View.Name,
                $"The transformation of on demand feature view '{View.Name}' threw {e.GetType().Name}: {e.Message}", e);
        }
        if (outputs is null)
        {
            throw new OnDemandTransformationException(View.Name,
                $"The transformation of on demand feature view '{View.Name}' returned null. Return a dictionary with a value for each of its features ({Names()}).");
        }

        var result = new Dictionary<string, object?>(View.Features.Count, StringComparer.Ordinal);
        foreach (var feature in View.Features)
        {
            if (!outputs.TryGetValue(feature.Name, out var value))
            {
                throw new OnDemandTransformationException(View.Name,
                    $"The transformation of on demand feature view '{View.Name}' returned no value for its feature '{feature.Name}' " +
                    $"(it returned: {(outputs.Count == 0 ? "nothing" : string.Join(", ", outputs.Keys))}). Return a value for every feature " +
                    $"of the view ({Names()}); use null for a missing value.");
            }
            try
            {
                result[feature.Name] = TransformValues.Normalize(value, feature.Dtype.ValueType, feature.Name);
            }
            catch (FeastValidationException e)
            {
                throw new OnDemandTransformationException(View.Name,
                    $"The transformation of on demand feature view '{View.Name}' returned a value for '{feature.Name}' that is not a " +
                    $"{feature.Dtype.Name}: {e.Message}", e);
            }
        }
        return result;
    }

    private string Names() => string.Join(", ", View.Features.Select(f => f.Name));
}
