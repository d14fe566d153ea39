// Keeps Parse Server running: starts `node server.js`, and when it exits without being asked to
// (a crash), writes a line to the crash log and starts it again within a second or two (with a
// growing pause, up to 10 s, while it keeps crashing at start). SIGTERM/SIGINT stop the server
// and then the supervisor. Used by ctl.sh for the dev and test instances; in production the
// same job belongs to systemd (backend/deploy/crm-parse.service, Restart=always).
//   node supervise.js            env: CRM_CRASH_LOG (file), CRM_CHILD_PID_FILE (file)
//   node supervise.js -- COMMAND [ARG...]   any other program (the cluster's Redis, HAProxy,
//                                PostgreSQL, LiveQuery: backend/cluster.sh); CRM_SUPERVISE_NAME
//                                names it in the crash log, CRM_SUPERVISE_UID/GID run it as
//                                another user (PostgreSQL refuses to run as root).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const crashLog = process.env.CRM_CRASH_LOG || path.join(__dirname, '.data', 'crashes.log');
const childPidFile = process.env.CRM_CHILD_PID_FILE;
let child = null;
let stopping = false;
let pause = 1000;
const dashes = process.argv.indexOf('--');
const [command, ...args] = dashes >= 0 ? process.argv.slice(dashes + 1) : [process.execPath, path.join(__dirname, 'server.js')];
const name = process.env.CRM_SUPERVISE_NAME || 'parse-server';
const asUser = process.env.CRM_SUPERVISE_UID ? { uid: Number(process.env.CRM_SUPERVISE_UID), gid: Number(process.env.CRM_SUPERVISE_GID) } : {};

function start() {
  const startedAt = Date.now();
  let tail = '';
  child = spawn(command, args, { stdio: ['ignore', 'inherit', 'pipe'], env: process.env, ...asUser });
  if (childPidFile) fs.writeFileSync(childPidFile, String(child.pid));
  child.stderr.on('data', (d) => {
    process.stderr.write(d);
    tail = (tail + d).slice(-4000);
  });
  child.on('exit', (code, signal) => {
    child = null;
    if (stopping) process.exit(0);
    const line = `${new Date().toISOString()} ${name} exited (code ${code}, signal ${signal}); restarting. Last output: ${JSON.stringify(tail.slice(-1500))}\n`;
    fs.appendFileSync(crashLog, line);
    process.stderr.write(`[supervise] ${line}`);
    // A server that dies at once is likely to die again: back off, but never beyond 10 s.
    pause = Date.now() - startedAt < 5000 ? Math.min(pause * 2, 10_000) : 1000;
    setTimeout(start, pause);
  });
}

const stop = (signal) => {
  stopping = true;
  if (child) child.kill(signal);
  else process.exit(0);
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGUSR2', () => child && child.kill('SIGUSR2'));
start();
