// A loopback HTTP proxy in front of the test Parse Server that injects faults on request, for
// tests of retries and exactly-once writes. Control endpoints (CORS-enabled, so browser tests
// can drive it):
//   POST /__fault/drop-response?count=N   forward the next N requests, then cut the answer off
//                                         after its status line (the server has committed; a
//                                         browser does not silently resend once bytes arrived)
//   POST /__fault/status?code=503&count=N answer the next N requests with that status, unsent
//   POST /__fault/delay?ms=M&count=N      hold the next N requests M ms before forwarding
//   POST /__fault/reset                   no faults
//   GET  /__fault/stats                   {forwarded, dropped, refused}
// Preflight (OPTIONS) requests are forwarded and never count.
// Usage: node fault-proxy.mjs LISTEN_PORT UPSTREAM_PORT
import http from 'node:http';

const listenPort = Number(process.argv[2] || 1438);
const upstreamPort = Number(process.argv[3] || 1437);
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': '*',
};

let faults = [];
const stats = { forwarded: 0, dropped: 0, refused: 0 };

function takeFault() {
  const f = faults[0];
  if (!f) return undefined;
  f.count -= 1;
  if (f.count <= 0) faults.shift();
  return f;
}

function control(req, res, url) {
  const n = Number(url.searchParams.get('count') || 1);
  const kind = url.pathname.slice('/__fault/'.length);
  if (req.method === 'OPTIONS') return res.writeHead(204, CORS).end();
  if (kind === 'stats') return res.writeHead(200, { ...CORS, 'Content-Type': 'application/json' }).end(JSON.stringify(stats));
  if (kind === 'reset') faults = [];
  else if (kind === 'drop-response') faults.push({ kind, count: n });
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
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const fault = req.method === 'OPTIONS' ? undefined : takeFault();
    if (fault?.kind === 'status') {
      stats.refused += 1;
      return res.writeHead(fault.code, { ...CORS, 'Content-Type': 'text/plain' }).end('injected fault');
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    forward(req, res, body, (up, answer) => {
      if (fault?.kind === 'drop-response') {
        stats.dropped += 1;
        const socket = res.socket;
        return socket.write('HTTP/1.1 200 OK\r\n', () => socket.destroy());
      }
      if (req.method !== 'OPTIONS') stats.forwarded += 1;
      res.writeHead(up.statusCode, up.headers).end(answer);
    });
  });
});

server.listen(listenPort, '127.0.0.1', () => console.log(`fault proxy on 127.0.0.1:${listenPort} -> ${upstreamPort}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
