using System.Diagnostics;
using System.Globalization;

namespace Pvstream.Cli.Tests;

/// <summary>
/// Two "hosts" on one machine: network namespaces <c>nodeA</c> and <c>nodeB</c> on two subnets joined by a third
/// namespace that routes between them, as hosts on different networks of a cluster are. Unicast crosses the router;
/// broadcast stays on its subnet. Both hosts resolve the names nodeA and nodeB (a hosts file that <c>ip netns exec</c>
/// puts in place of /etc/hosts). Names and veth devices are unique per instance; <see cref="Dispose"/> kills whatever
/// still runs in the namespaces and deletes them. Needs root and iproute2: <see cref="TryCreate"/> says why not.
/// </summary>
public sealed class TwoHostNetwork : IDisposable
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(10);
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];
    private readonly int _subnet = Random.Shared.Next(1, 255);
    private readonly List<string> _created = [];
    private readonly List<string> _veths = [];

    private TwoHostNetwork()
    {
    }

    /// <summary>Namespace of host nodeA (10.251.x.1/25).</summary>
    public string NodeA => $"pvs-{_tag}-a";

    /// <summary>Namespace of host nodeB (10.251.x.129/25).</summary>
    public string NodeB => $"pvs-{_tag}-b";

    public string AddressA => Inv($"10.251.{_subnet}.1");

    public string AddressB => Inv($"10.251.{_subnet}.129");

    private string Router => $"pvs-{_tag}-r";

    /// <summary>The network, or null and the reason when this machine cannot make one (not root, no ip, no namespaces).</summary>
    public static TwoHostNetwork? TryCreate(out string why)
    {
        var network = new TwoHostNetwork();
        try
        {
            network.Build();
            why = "";
            return network;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            network.Dispose();
            why = e.Message;
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var ns in _created)
        {
            // Deleting a namespace does not end its processes: end the ones started in it (by this test) first.
            var (_, pids) = Ip("netns", "pids", ns);
            foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                try
                {
                    using var process = Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
                    process.Kill(entireProcessTree: true);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Already gone.
                }
            }

            Ip("netns", "delete", ns);
            var config = Path.Combine("/etc/netns", ns);
            if (Directory.Exists(config))
            {
                Directory.Delete(config, recursive: true);
            }
        }

        foreach (var end in _veths)
        {
            Ip("link", "delete", end); // one left behind when moving it into its namespace failed; an error otherwise
        }

        try
        {
            Directory.Delete("/etc/netns"); // only when no other namespace keeps files there
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void Build()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new InvalidOperationException("network namespaces are Linux's");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("network namespaces need root");
        }

        string[] namespaces = [NodeA, NodeB, Router];
        foreach (var ns in namespaces)
        {
            Must("netns", "add", ns);
            _created.Add(ns);
            Must("-n", ns, "link", "set", "lo", "up");
        }

        // nodeA on 10.251.x.0/25, nodeB on 10.251.x.128/25, the router at .126 and .254 of each.
        Link(NodeA, $"pvs{_tag}-a", $"pvs{_tag}-ra", AddressA, Inv($"10.251.{_subnet}.126"));
        Link(NodeB, $"pvs{_tag}-b", $"pvs{_tag}-rb", AddressB, Inv($"10.251.{_subnet}.254"));
        Must("netns", "exec", Router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        var hosts = $"127.0.0.1 localhost\n{AddressA} nodeA\n{AddressB} nodeB\n";
        foreach (var ns in new[] { NodeA, NodeB })
        {
            Directory.CreateDirectory(Path.Combine("/etc/netns", ns));
            File.WriteAllText(Path.Combine("/etc/netns", ns, "hosts"), hosts);
        }

        var (code, output) = Ip("netns", "exec", NodeB, "getent", "hosts", "nodeA");
        if (code != 0 || !output.Contains(AddressA, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"nodeA does not resolve inside the namespace: {output}");
        }
    }

    private void Link(string host, string hostEnd, string routerEnd, string address, string gateway)
    {
        Must("link", "add", hostEnd, "type", "veth", "peer", "name", routerEnd);
        _veths.Add(hostEnd);
        Must("link", "set", hostEnd, "netns", host);
        Must("link", "set", routerEnd, "netns", Router);
        Must("-n", host, "addr", "add", address + "/25", "brd", "+", "dev", hostEnd);
        Must("-n", host, "link", "set", hostEnd, "up");
        Must("-n", Router, "addr", "add", gateway + "/25", "brd", "+", "dev", routerEnd);
        Must("-n", Router, "link", "set", routerEnd, "up");
        Must("-n", host, "route", "add", "default", "via", gateway);
    }

    private static void Must(params string[] args)
    {
        var (code, output) = Ip(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {output.Trim()}");
        }
    }

    private static (int Code, string Output) Ip(params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ip");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandLimit))
        {
            process.Kill();
            throw new InvalidOperationException($"ip {string.Join(' ', args)} did not finish");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
