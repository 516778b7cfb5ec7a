namespace Metering.Chaos;

/// <summary>The faults of the suite, injected in rotation.</summary>
public enum ChaosFault
{
    /// <summary>SIGKILL the metering service, then start it again.</summary>
    KillService,

    /// <summary>SIGKILL Redis, then start it again from its append-only file (fsync always).</summary>
    KillRedis,

    /// <summary>Stop PostgreSQL (immediate mode) for 10 s or more, then start it again.</summary>
    StopPostgres,

    /// <summary>Restart the service with the flush-after-commit failpoint: it dies between a flush's commit and its snapshot delete.</summary>
    CrashFlusherAfterCommit,
}
