using Epics.Ca.Client;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Server;
using Epics.Streaming.Consumer;
using Epics.Streaming.Consumer.Internal;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Processing.Internal;

/// <summary>
/// What a consumer and a collector both own on the network: the PVA server of their status, control and output
/// records, the PVA client of their inputs, a CA client made only when a channel needs one, and the metadata channels
/// (framework.md §8) with their queues. Created before start (records are added to <see cref="Server"/>), started,
/// then stopped in the order a clean shutdown needs: metadata monitors first, the clients and the server last.
/// </summary>
internal sealed class StageEndpoints(PvaServerOptions serverOptions, PvaClientOptions clientOptions, CaClientOptions caClientOptions,
    IReadOnlyList<MetadataChannel> metadata)
{
    private CaClient? _caClient;
    private PvaClient? _client;

    public PvaServer Server { get; } = new(serverOptions);

    /// <summary>The PVA client (after <see cref="StartAsync"/>).</summary>
    public PvaClient Client => _client ?? throw new InvalidOperationException("The stage has not started.");

    /// <summary>The CA client, made on first use.</summary>
    public CaClient CaClient => _caClient ??= new CaClient(caClientOptions);

    public IReadOnlyList<MetadataChannel> Metadata { get; } = metadata;

    /// <summary>The metadata queues by channel name, as the processor gets them.</summary>
    public Dictionary<string, PvObjectQueue> MetadataQueues() => Metadata.ToDictionary(m => m.Name, m => m.Queue);

    public List<MetadataStatistics> MetadataStatistics() => Metadata.Select(m => m.Statistics).ToList();

    /// <summary>Starts the server and makes the client.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Server.StartAsync(cancellationToken).ConfigureAwait(false);
        _client = new PvaClient(clientOptions);
    }

    // framework.md §8: PVA metadata asks for the whole structure with the data channel's server queue; CA gets DBR_TIME.
    public void StartMetadata(int serverQueueSize, ILogger logger)
    {
        var request = serverQueueSize > 0 ? $"record[queueSize={serverQueueSize}]field()" : "field()";
        foreach (var m in Metadata)
        {
            if (m.OverCa)
            {
                m.Start(CaClient, logger);
            }
            else
            {
                m.Start(Client, request, logger);
            }
        }
    }

    public async Task StopMetadataAsync()
    {
        foreach (var m in Metadata)
        {
            await m.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Drops what the metadata queues still hold (after the processor stopped).</summary>
    public void ClearMetadata()
    {
        foreach (var m in Metadata)
        {
            m.Queue.Clear();
        }
    }

    /// <summary>Closes the clients and the server.</summary>
    public async Task StopAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        if (_caClient is not null)
        {
            await _caClient.DisposeAsync().ConfigureAwait(false);
        }

        await Server.DisposeAsync().ConfigureAwait(false);
    }
}
