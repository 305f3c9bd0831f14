// A port for a test server that may be stopped and started again on the same port. Picked below
// Linux's ephemeral range (32768–60999): while such a server is down, a port from that range can
// be taken as the local port of an outgoing connection (a client reconnecting to that very port
// can even connect to itself), and the restarted server then cannot bind it. CI saw exactly that
// once: Redis restarted by tests/e2e/redis-down.test.ts was never reached again.
export function serverPort(): number {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    }
  }
  throw new Error("serverPort: no free port below the ephemeral range after 50 tries");
}
