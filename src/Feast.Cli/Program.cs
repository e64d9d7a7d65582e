using Feast.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C cancels the running command cleanly; a second one ends the process.
    if (cancellation.IsCancellationRequested) return;
    e.Cancel = true;
    cancellation.Cancel();
};
return await FeastCli.RunAsync(args, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
