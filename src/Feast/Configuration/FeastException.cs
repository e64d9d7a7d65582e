namespace Feast;

// Stand-in until this branch meets main, which has the same type in src/Feast/Errors.cs: it is declared with the
// same namespace and shape so that merging only means deleting this file.

/// <summary>Base class of every error Feast.NET raises on purpose. Messages name the object at fault and say how to fix it.</summary>
public class FeastException : Exception
{
    /// <summary>Creates an exception with a message for the user.</summary>
    public FeastException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message for the user and the error that caused it.</summary>
    public FeastException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The name Feast gives this error class (used in Feast-compatible error bodies).</summary>
    public virtual string FeastErrorClass => GetType().Name;
}
