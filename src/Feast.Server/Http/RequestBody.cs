using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Feast.Online;
using Feast.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Feast.Server.Http;

/// <summary>Parses a whole request body given as UTF-8 bytes.</summary>
internal delegate T BodyParser<out T>(ReadOnlySpan<byte> utf8);

/// <summary>
/// Reads request bodies: the whole body (whatever its Content-Type, as Feast's docs send JSON with curl's form type),
/// at most <see cref="FeastServerOptions.MaxRequestBodyBytes"/>, parsed straight from the pipe's buffers.
/// </summary>
internal static class RequestBody
{
    public static async ValueTask<T> ReadAsync<T>(HttpContext context, long limit, BodyParser<T> parse, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentLength is { } declared && declared > limit)
            throw new RequestBodyTooLargeException(limit, declared);
        // Let the server stop reading at the same limit (Kestrel answers 413 itself once it is passed).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit;

        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.End);
                throw new RequestBodyTooLargeException(limit, request.ContentLength);
            }
            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException("Reading the request body was cancelled.");
            }
            if (result.IsCompleted)
            {
                try
                {
                    return Parse(buffer, parse);
                }
                finally
                {
                    reader.AdvanceTo(buffer.End);
                }
            }
            // Nothing consumed, everything examined: the next read returns the whole body so far plus more.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static T Parse<T>(ReadOnlySequence<byte> body, BodyParser<T> parse)
    {
        if (body.IsSingleSegment) return Checked(body.FirstSpan, parse);
        var length = checked((int)body.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            body.CopyTo(rented);
            return Checked(rented.AsSpan(0, length), parse);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Text that is not UTF-8, or a string escaping half a surrogate pair (<c>"\ud800"</c>), is the client's mistake
    /// (422), found before parsing or when a string is read (System.Text.Json's InvalidOperationException).
    /// </summary>
    private static T Checked<T>(ReadOnlySpan<byte> utf8, BodyParser<T> parse)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
            throw new RequestBodyException("The request body is not valid UTF-8 text; send JSON encoded as UTF-8.");
        try
        {
            return parse(utf8);
        }
        catch (InvalidOperationException e)
        {
            throw new RequestBodyException($"The request body has a string that is not valid text: {e.Message}");
        }
    }

    /// <summary>Parses a body as one JSON value (<see cref="OnlineRequestJson.ParseValue"/>); the element outlives the bytes.</summary>
    /// <exception cref="RequestBodyException">The body is empty or not valid JSON.</exception>
    public static JsonElement ParseJson(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
            throw new RequestBodyException("The request body is empty; send a JSON object.");
        return Shape(utf8, OnlineRequestJson.ParseValue);
    }

    /// <summary>Parses a <c>/get-online-features</c> body with the SDK's parser (<see cref="OnlineRequestJson.Parse(ReadOnlySpan{byte})"/>).</summary>
    /// <exception cref="RequestBodyException">The body is not valid JSON or not a valid request.</exception>
    public static OnlineFeaturesRequest ParseOnlineRequest(ReadOnlySpan<byte> utf8) => Shape(utf8, OnlineRequestJson.Parse);

    /// <summary>Runs a parser of the SDK, every error of which is about the body's syntax or shape: 422, not 400.</summary>
    private static T Shape<T>(ReadOnlySpan<byte> utf8, BodyParser<T> parse)
    {
        try
        {
            return parse(utf8);
        }
        catch (FeastValidationException e)
        {
            throw new RequestBodyException(e.Message);
        }
    }
}
