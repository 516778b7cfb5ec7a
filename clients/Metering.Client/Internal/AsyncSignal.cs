namespace Metering.Client.Internal;

/// <summary>
/// An auto-reset wake-up for one consumer: <see cref="Set"/> is remembered until the next <see cref="WaitAsync"/>.
/// A waiter abandoned by <see cref="Task.WhenAny(Task[])"/> never swallows a later signal; at worst the next wait
/// returns at once (a spurious wake-up, harmless because the consumer re-checks its state).
/// </summary>
internal sealed class AsyncSignal
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _waiter;
    private bool _set;

    public void Set()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _set = true;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }

    public Task WaitAsync()
    {
        lock (_lock)
        {
            if (_set)
            {
                _set = false;
                return Task.CompletedTask;
            }

            return (_waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }
}
