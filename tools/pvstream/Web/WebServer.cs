using System.Globalization;
using System.Net;
using System.Text;
using Epics.Pva;
using Epics.Pva.Client;

namespace Pvstream.Web;

/// <summary>
/// <c>--web PORT</c> of <c>run</c>, <c>consumer</c> and <c>collector</c>: one page (embedded; the stage graph with live
/// figures and a thumbnail of a chosen channel) and the two things it asks for: <c>/api/state</c> (JSON, from an
/// <see cref="IWebPageState"/>) and <c>/api/thumbnail?channel=NAME&amp;size=N</c> (PNG). Served on every interface
/// with <see cref="HttpListener"/>, one request at a time (a page polls a few times a second).
/// </summary>
internal sealed class WebServer : IAsyncDisposable
{
    private const int DefaultSize = 256;
    private const int MaxSize = 1024;
    private readonly HttpListener _listener = new();
    private readonly IWebPageState _page;
    private readonly PvaClient _client;
    private readonly Thumbnails _thumbnails;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private WebServer(int port, IWebPageState page, PvaClientOptions clientOptions)
    {
        _page = page;
        _client = new PvaClient(clientOptions with { SearchMaxInterval = TimeSpan.FromSeconds(1) });
        _thumbnails = new Thumbnails(_client);
        _listener.Prefixes.Add(string.Create(CultureInfo.InvariantCulture, $"http://+:{port}/"));
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>Starts serving; a port that cannot be had is a usage error.</summary>
    public static WebServer Start(int port, IWebPageState page, PvaClientOptions clientOptions)
    {
        if (port is < 1 or > 65535)
        {
            throw new Cli.CliException($"Error: --web {port} is not a port number (1-65535)", Cli.ExitCodes.BadInput);
        }

        try
        {
            return new WebServer(port, page, clientOptions);
        }
        catch (HttpListenerException e)
        {
            throw new Cli.CliException($"Error: --web {port}: {e.Message}", Cli.ExitCodes.BadInput);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Close();
        await _serving.ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // closed
            }

            try
            {
                await AnswerAsync(context).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The page went away mid-answer.
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers["Cache-Control"] = "no-store";
        switch (request.Url?.AbsolutePath)
        {
            case "/" or "/index.html":
                await WriteAsync(response, "text/html; charset=utf-8", Page()).ConfigureAwait(false);
                break;
            case "/api/state":
                await WriteAsync(response, "application/json", Encoding.UTF8.GetBytes(_page.State().ToJsonString())).ConfigureAwait(false);
                break;
            case "/api/thumbnail":
                await ThumbnailAsync(request, response).ConfigureAwait(false);
                break;
            default:
                response.StatusCode = 404;
                break;
        }
    }

    private async Task ThumbnailAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        var channel = request.QueryString["channel"];
        if (string.IsNullOrWhiteSpace(channel))
        {
            response.StatusCode = 400;
            return;
        }

        var size = int.TryParse(request.QueryString["size"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? Math.Clamp(s, 16, MaxSize) : DefaultSize;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        byte[]? png;
        try
        {
            png = await _thumbnails.MakeAsync(channel, size, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or Epics.Pva.PvaException or InvalidDataException or NotSupportedException or InvalidOperationException)
        {
            response.StatusCode = 503;
            await WriteAsync(response, "text/plain", Encoding.UTF8.GetBytes($"{channel}: {e.Message}")).ConfigureAwait(false);
            return;
        }

        if (png is null)
        {
            response.StatusCode = 204; // the channel has no frame yet
            return;
        }

        await WriteAsync(response, "image/png", png).ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpListenerResponse response, string type, byte[] body)
    {
        response.ContentType = type;
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
    }

    private static byte[] Page()
    {
        using var stream = typeof(WebServer).Assembly.GetManifestResourceStream("Pvstream.Web.index.html")
            ?? throw new InvalidOperationException("the web page is not embedded in the tool");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
