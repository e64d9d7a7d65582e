namespace Feast.Configuration;

/// <summary>
/// Base class for errors raised by Feast.NET that a user can act on, mirroring Feast's <c>FeastError</c>.
/// </summary>
public class FeastException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public FeastException()
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    /// <param name="message">A message that says what went wrong and how to fix it.</param>
    public FeastException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and the exception that caused it.</summary>
    /// <param name="message">A message that says what went wrong and how to fix it.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public FeastException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
