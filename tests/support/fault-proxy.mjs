// A loopback HTTP proxy in front of the test Parse Server that injects faults on request, for
// tests of retries and exactly-once writes. Control endpoints (CORS-enabled, so browser tests
// can drive it):
//   POST /__fault/drop-response?count=N   forward the next N requests, then cut the answer off
//                                         after its status line (the server has committed; a
//                                         browser does not silently resend once bytes arrived)
//   POST /__fault/status?code=503&count=N answer the next N requests with that status, unsent
//   POST /__fault/delay?ms=M&count=N      hold the next N requests M ms before forwarding
//   POST /__fault/cut-sockets             close every open WebSocket connection (both ends)
//   POST /__fault/freeze-sockets          stop passing data on open WebSocket connections
//                                         without closing them (a connection that died silently)
//   POST /__fault/down?ms=M               refuse every connection for M ms (a server restart)
//   POST /__fault/respond?status=S&count=N answer the next N requests with status S and the
//                                         control request's body as JSON (a bad server answer)
//   POST /__fault/truncate?count=N        forward the next N requests, then send only the first
//                                         half of the answer's body and close (a cut transfer)
//   POST /__fault/kill-server             SIGKILL the Parse Server behind the proxy (a crash)
//   POST /__fault/start-server            start it again; answers once it is healthy
//   POST /__fault/reset                   no faults
//   GET  /__fault/stats                   {forwarded, dropped, refused}
// Preflight (OPTIONS) requests are forwarded and never count.
// Usage: node fault-proxy.mjs LISTEN_PORT UPSTREAM_PORT [BACKEND_INSTANCE]
import http from 'node:http';
import net from 'node:net';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ctl = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../backend/ctl.sh');
const instance = process.argv[4] || 'test';

const listenPort = Number(process.argv[2] || 1438);
const upstreamPort = Number(process.argv[3] || 1437);
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': '*',
};

let faults = [];
const stats = { forwarded: 0, dropped: 0, refused: 0, sockets: 0 };
const tunnels = new Set(); // open WebSocket connections: { client, upstream, frozen }
let downUntil = 0;
const isDown = () => Date.now() < downUntil;

function takeFault() {
  const f = faults[0];
  if (!f) return undefined;
  f.count -= 1;
  if (f.count <= 0) faults.shift();
  return f;
}

function backend(command, res) {
  execFile('bash', [ctl, command, instance], { env: { ...process.env, PARSE_SILENT: '1' } }, (error, stdout, stderr) => {
    const status = error ? 500 : 200;
    res.writeHead(status, { ...CORS, 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: !error, output: stdout + stderr }));
  });
}

async function control(req, res, url) {
  const n = Number(url.searchParams.get('count') || 1);
  const kind = url.pathname.slice('/__fault/'.length);
  if (req.method === 'OPTIONS') return res.writeHead(204, CORS).end();
  if (kind === 'kill-server') return backend('kill-parse', res);
  if (kind === 'start-server') return backend('start', res);
  if (kind === 'respond') {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    faults.push({ kind, count: n, code: Number(url.searchParams.get('status') || 200), body: Buffer.concat(chunks) });
    return res.writeHead(200, { ...CORS, 'Content-Type': 'application/json' }).end('{}');
  }
  if (kind === 'stats') return res.writeHead(200, { ...CORS, 'Content-Type': 'application/json' }).end(JSON.stringify(stats));
  if (kind === 'reset') {
    faults = [];
    downUntil = 0;
  } else if (kind === 'cut-sockets') {
    for (const t of tunnels) {
      t.client.destroy();
      t.upstream.destroy();
    }
    tunnels.clear();
  } else if (kind === 'freeze-sockets') {
    for (const t of tunnels) t.frozen = true;
  } else if (kind === 'down') {
    downUntil = Date.now() + Number(url.searchParams.get('ms') || 1000);
    for (const t of tunnels) {
      t.client.destroy();
      t.upstream.destroy();
    }
    tunnels.clear();
  }
  else if (['cut-sockets', 'freeze-sockets', 'down'].includes(kind)) { /* done above */ }
  else if (kind === 'drop-response' || kind === 'truncate') faults.push({ kind, count: n });
  else if (kind === 'status') faults.push({ kind, count: n, code: Number(url.searchParams.get('code') || 503) });
  else if (kind === 'delay') faults.push({ kind, count: n, ms: Number(url.searchParams.get('ms') || 1000) });
  else return res.writeHead(404, CORS).end();
  res.writeHead(200, { ...CORS, 'Content-Type': 'application/json' }).end('{}');
}

function forward(req, res, body, onAnswer) {
  const upstream = http.request(
    { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: { ...req.headers, host: `127.0.0.1:${upstreamPort}` } },
    (up) => {
      const chunks = [];
      up.on('data', (c) => chunks.push(c));
      up.on('end', () => onAnswer(up, Buffer.concat(chunks)));
    },
  );
  upstream.on('error', () => res.destroy());
  upstream.end(body);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/__fault/')) return control(req, res, url);
  if (isDown()) return req.socket.destroy();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const fault = req.method === 'OPTIONS' ? undefined : takeFault();
    if (fault?.kind === 'status') {
      stats.refused += 1;
      return res.writeHead(fault.code, { ...CORS, 'Content-Type': 'text/plain' }).end('injected fault');
    }
    if (fault?.kind === 'respond') {
      stats.refused += 1;
      return res.writeHead(fault.code, { ...CORS, 'Content-Type': 'application/json' }).end(fault.body);
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    forward(req, res, body, (up, answer) => {
      if (fault?.kind === 'drop-response') {
        stats.dropped += 1;
        const socket = res.socket;
        return socket.write('HTTP/1.1 200 OK\r\n', () => socket.destroy());
      }
      if (fault?.kind === 'truncate') {
        stats.dropped += 1;
        const headers = { ...up.headers, 'content-length': String(answer.length) };
        delete headers['transfer-encoding'];
        res.writeHead(up.statusCode, headers);
        return res.write(answer.subarray(0, Math.floor(answer.length / 2)), () => res.socket.destroy());
      }
      if (req.method !== 'OPTIONS') stats.forwarded += 1;
      res.writeHead(up.statusCode, up.headers).end(answer);
    });
  });
});

// WebSocket (LiveQuery): a raw tunnel to the upstream, so faults can cut or freeze it.
server.on('upgrade', (req, client, head) => {
  if (isDown()) return client.destroy();
  const upstream = net.connect(upstreamPort, '127.0.0.1', () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) upstream.write(head);
  });
  const tunnel = { client, upstream, frozen: false };
  tunnels.add(tunnel);
  stats.sockets += 1;
  client.on('data', (d) => { if (!tunnel.frozen) upstream.write(d); });
  upstream.on('data', (d) => { if (!tunnel.frozen) client.write(d); });
  const end = () => {
    tunnels.delete(tunnel);
    client.destroy();
    upstream.destroy();
  };
  client.on('close', end);
  upstream.on('close', end);
  client.on('error', end);
  upstream.on('error', end);
});

server.listen(listenPort, '127.0.0.1', () => console.log(`fault proxy on 127.0.0.1:${listenPort} -> ${upstreamPort}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
