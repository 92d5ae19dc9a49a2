using Mesh.Storage.Abstractions;

namespace Mesh.Storage.Postgres.Writes;

/// <summary>One caller's <see cref="IMeshStore.WriteAsync"/> waiting for the group-commit loop.</summary>
internal sealed class WriteRequest(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<WriteResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<ResourceWrite> Writes { get; } = writes;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public Task<WriteResult> Task => _completion.Task;

    public void Succeed(WriteResult result) => _completion.TrySetResult(result);

    public void Fail(Exception exception) => _completion.TrySetException(exception);

    public void Cancel() => _completion.TrySetCanceled(CancellationToken);
}
