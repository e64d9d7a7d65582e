using System.Net;
using StackExchange.Redis;

namespace Feast.Redis.Resp;

/// <summary>
/// Which node holds which key, taken from the multiplexer's view of the deployment: the one master of a single server,
/// or, for a cluster, the master serving each of the 16,384 hash slots.
/// </summary>
internal sealed class RedisNodes
{
    public const int SlotCount = 16384;

    private static readonly ushort[] Crc16Table = BuildCrc16Table();

    private readonly ushort[]? _nodeOfSlot;

    private RedisNodes(EndPoint[] nodes, ushort[]? nodeOfSlot)
    {
        Nodes = nodes;
        _nodeOfSlot = nodeOfSlot;
    }

    /// <summary>The masters; indexes into this list are what <see cref="NodeOf"/> returns.</summary>
    public IReadOnlyList<EndPoint> Nodes { get; }

    public bool IsCluster => _nodeOfSlot is not null;

    /// <summary>The node that serves the key <paramref name="entityKey"/> ‖ <paramref name="project"/>.</summary>
    public int NodeOf(ReadOnlySpan<byte> entityKey, ReadOnlySpan<byte> project) =>
        _nodeOfSlot is null ? 0 : _nodeOfSlot[Slot(entityKey, project)];

    /// <summary>The single server: the connected master among the configured endpoints (the first one if none is).</summary>
    public static RedisNodes Single(IConnectionMultiplexer connection)
    {
        var servers = connection.GetServers();
        var master = servers.FirstOrDefault(s => s.IsConnected && !s.IsReplica) ?? servers.FirstOrDefault(s => !s.IsReplica) ?? servers[0];
        return new RedisNodes([master.EndPoint], null);
    }

    /// <summary>A cluster's slot map, from the configuration the multiplexer last read (CLUSTER NODES).</summary>
    /// <exception cref="InvalidOperationException">No node is connected, or some slot has no master.</exception>
    public static RedisNodes Cluster(IConnectionMultiplexer connection)
    {
        var configuration = connection.GetServers().Where(s => s.IsConnected).Select(s => s.ClusterConfiguration).FirstOrDefault(c => c is not null)
            ?? throw new InvalidOperationException("no node of the cluster is connected");
        var nodes = new List<EndPoint>();
        var nodeOfSlot = new ushort[SlotCount];
        var covered = new bool[SlotCount];
        foreach (var node in configuration.Nodes)
        {
            if (node.IsReplica || node.EndPoint is null || node.Slots.Count == 0) continue;
            var index = (ushort)nodes.Count;
            nodes.Add(node.EndPoint);
            foreach (var range in node.Slots)
            {
                for (var slot = range.From; slot <= range.To; slot++)
                {
                    nodeOfSlot[slot] = index;
                    covered[slot] = true;
                }
            }
        }
        var uncovered = Array.IndexOf(covered, false);
        if (uncovered >= 0) throw new InvalidOperationException($"hash slot {uncovered} has no master (is the cluster's state ok?)");
        return new RedisNodes([.. nodes], nodeOfSlot);
    }

    /// <summary>Every slot served by <paramref name="node"/> (tests: a deliberately stale map).</summary>
    internal static RedisNodes AllSlotsOn(EndPoint node) => new([node], new ushort[SlotCount]);

    /// <summary>
    /// Redis Cluster's hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag (the bytes between the first
    /// <c>{</c> and the next <c>}</c>, when not empty), modulo 16,384.
    /// </summary>
    public static int Slot(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        // The key is first ‖ second; the tag search runs over the pair without joining them.
        var open = first.IndexOf((byte)'{');
        if (open >= 0)
        {
            var close = first[(open + 1)..].IndexOf((byte)'}');
            if (close > 0) return Crc16(first.Slice(open + 1, close), default) & (SlotCount - 1);
            if (close < 0)
            {
                var inSecond = second.IndexOf((byte)'}');
                var tagInFirst = first[(open + 1)..];
                if (inSecond >= 0 && tagInFirst.Length + inSecond > 0) return Crc16(tagInFirst, second[..inSecond]) & (SlotCount - 1);
            }
        }
        else
        {
            open = second.IndexOf((byte)'{');
            if (open >= 0)
            {
                var close = second[(open + 1)..].IndexOf((byte)'}');
                if (close > 0) return Crc16(second.Slice(open + 1, close), default) & (SlotCount - 1);
            }
        }
        return Crc16(first, second) & (SlotCount - 1);
    }

    private static int Crc16(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        ushort crc = 0;
        foreach (var b in first) crc = (ushort)((crc << 8) ^ Crc16Table[((crc >> 8) ^ b) & 0xff]);
        foreach (var b in second) crc = (ushort)((crc << 8) ^ Crc16Table[((crc >> 8) ^ b) & 0xff]);
        return crc;
    }

    private static ushort[] BuildCrc16Table()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++) crc = (ushort)((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
            table[i] = crc;
        }
        return table;
    }
}
