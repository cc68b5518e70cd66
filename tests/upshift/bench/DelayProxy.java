package upshift.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback that delays every chunk by a fixed time in each direction: a network round trip for the
 * benchmarks on a kernel without netem. Each accepted connection gets a connection to the upstream port and, per
 * direction, a reader (stamps each chunk it reads with its due time) and a writer (sends each chunk, in order,
 * when it is due), so a chunk is delayed by {@code delayMillis} but chunks in flight do not wait for each other: the delay is
 * latency, not a bandwidth limit. A round trip through it costs about twice the delay. Not a test; bench harness.
 */
final class DelayProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int upstreamPort;
    private final long delayNanos;
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean closed;

    /** Listens on an ephemeral loopback port and forwards to {@code upstreamPort} on loopback. */
    DelayProxy(int upstreamPort, double delayMillis) throws IOException {
        this.upstreamPort = upstreamPort;
        this.delayNanos = (long) (delayMillis * 1e6);
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread accept = new Thread(this::accept, "delay-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** The port clients connect to. */
    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("[delay-proxy] " + e);
                }
            }
        }
    }

    /** One chunk and when it may be sent. */
    private record Chunk(byte[] bytes, int length, long due) {
    }

    private void pipe(Socket from, Socket to) {
        // first in, first out: with a fixed delay the due times are in arrival order, so the stream keeps its order
        LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (InputStream in = from.getInputStream()) {
                byte[] buffer = new byte[65536];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    byte[] copy = java.util.Arrays.copyOf(buffer, n);
                    queue.add(new Chunk(copy, n, System.nanoTime() + delayNanos));
                }
            } catch (IOException e) {
                // the connection ended
            }
            queue.add(new Chunk(new byte[0], -1, System.nanoTime() + delayNanos));
        }, "delay-proxy-read");
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Chunk chunk = queue.take();
                    long wait = chunk.due() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    if (chunk.length() < 0) {
                        break;
                    }
                    out.write(chunk.bytes(), 0, chunk.length());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            } finally {
                try {
                    to.shutdownOutput();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "delay-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
