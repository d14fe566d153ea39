// Parse Server's log files, bounded. Parse writes every error it answers a client with ("Parse
// error: ", with its stack) and every refusal by a beforeSave ("beforeSave failed for Deal …",
// with 1,000 characters of the input) at level error, twice (parse-server.info and
// parse-server.err), in daily files it never removes and never caps. Refusals are a client's
// doing, not the server's: a made-up session token wrote 0.9 KB a request without a session
// (0.4 MB/s from one client), and a batch of 100 refused deals 275 KB (5 MB/s from one user,
// 18 GB an hour). Here:
// - an error answered to a client (a Parse error with its code, a Cloud Code refusal, a Live
//   Query "Permission denied") is logged at info, below the server's level (warn): written
//   only when the level is info or more verbose; what the server itself failed at (code 1, an
//   exception, a timeout, a failing Cloud Code script) stays an error;
// - at most LOG_FILES.bytesPerMinute are written a minute (past it lines are dropped, and
//   counted in a warning when the minute ends), each file is at most LOG_FILES.maxSize and at
//   most LOG_FILES.maxFiles of each kind are kept (the oldest go first): the logs hold about
//   2 x maxFiles x maxSize whatever anyone sends. (Rotation alone leaked files when thousands
//   of lines came at once: the budget keeps rotations minutes apart.)
'use strict';

const fs = require('fs');
const path = require('path');
// Parse's own copies (its formats and transports must be of the winston it logs with).
const fromParse = (name) => require(require.resolve(name, { paths: [require.resolve('parse-server')] }));
const { format } = fromParse('winston');
const { WinstonLoggerAdapter } = require('parse-server/lib/Adapters/Logger/WinstonLoggerAdapter');
const { configureLogger, addTransport } = require('parse-server/lib/Adapters/Logger/WinstonLogger');
const DailyRotateFile = fromParse('winston-daily-rotate-file');

const LOG_FILES = { maxSize: '20m', maxFiles: 10, bytesPerMinute: 2 * 1024 * 1024 };
const LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

// Parse's codes for what went wrong in the server (anything else was refused to a client).
const SERVER_FAULTS = new Set([1, 124, 141, -1]); // INTERNAL_SERVER_ERROR, TIMEOUT, SCRIPT_FAILED, OTHER_CAUSE
const clientError = (e) => Boolean(e) && typeof e === 'object' && Number.isInteger(e.code) && !SERVER_FAULTS.has(e.code);

// The detailed messages Parse logs (lib/Error.js createSanitizedError) for refusals it answers
// a client with in fewer words ("Permission denied"); all of them are refusals.
const SANITIZED_REFUSALS = /^(Permission denied|This user is not allowed to |Clients aren't allowed to |Invalid session token$|Insufficient auth\.$|Cannot modify user |Invalid object ID\.$|Invalid application ID\.$|unauthorized: master key is required$|master key is required$|read-only masterKey |Cannot perform a write operation when using readOnlyMasterKey$|\$\w+ must be an array$)/;

/** Whether an error-level log line only records a refusal answered to a client. */
function refusedToClient(message, meta) {
  if (message === 'Parse error: ') return clientError(meta);
  if (typeof message !== 'string') return false;
  // triggers.js logTriggerErrorBeforeHook: "<trigger> failed for <class> for user <id>: …".
  if (/^before\w+ failed for /.test(message)) return clientError(meta && meta.error);
  // Parse's createSanitizedError: the detailed form of a refusal whose client is told less.
  if (meta === undefined && SANITIZED_REFUSALS.test(message)) return true;
  // The Live Query server's refusal of an event to a client without a valid session.
  if (/^Failed running afterLiveQueryEvent /.test(message)) return /Error: \{"message":"Permission denied","code":101\}$/.test(message);
  return false;
}

class BoundedLoggerAdapter extends WinstonLoggerAdapter {
  /** `logsFolder` (no files when empty), `logLevel`, `silent` (no console), and the files'
   * `maxSize` and `maxFiles` (LOG_FILES). */
  constructor({ logsFolder, logLevel = 'info', silent = false, maxSize = LOG_FILES.maxSize, maxFiles = LOG_FILES.maxFiles, bytesPerMinute = LOG_FILES.bytesPerMinute } = {}) {
    super();
    this.written = LEVELS.indexOf(logLevel) < 0 ? LEVELS.length : LEVELS.indexOf(logLevel);
    this.budget = { limit: bytesPerMinute, start: Date.now(), bytes: 0, dropped: 0, droppedBytes: 0 };
    // Parse's console transport and level; its unbounded files are left out (no folder).
    configureLogger({ logsFolder: null, logLevel, silent });
    if (!logsFolder) return;
    fs.mkdirSync(logsFolder, { recursive: true });
    const file = (name, filename, level) => {
      const transport = new DailyRotateFile({
        filename,
        dirname: logsFolder,
        level,
        maxSize,
        maxFiles,
        auditFile: path.join(logsFolder, `.${filename}-audit.json`),
        json: true,
        format: format.combine(format.timestamp(), format.splat(), format.json()),
      });
      transport.name = name;
      // A full disk or a removed folder must not take the process with it.
      transport.on('error', () => {});
      addTransport(transport);
    };
    // The names and files Parse uses, so its log queries (/scriptlog) read them as before.
    file('parse-server', 'parse-server.info', logLevel);
    file('parse-server-error', 'parse-server.err', 'error');
  }

  log(level, message, ...rest) {
    if (level === 'error' && refusedToClient(message, rest[0])) level = 'info';
    if (LEVELS.indexOf(level) <= this.written && !this.spend(level, message, rest)) return undefined;
    return super.log(level, message, ...rest);
  }

  /** Counts a line against the minute's budget: false when it is spent (the line is dropped). */
  spend(level, message, rest) {
    const b = this.budget;
    const now = Date.now();
    if (now - b.start >= 60_000) {
      const { dropped, droppedBytes } = b;
      Object.assign(b, { start: now, bytes: 0, dropped: 0, droppedBytes: 0 });
      if (dropped > 0) super.log('warn', `log budget: ${dropped} lines (about ${droppedBytes} bytes) over ${b.limit} bytes a minute were dropped`);
    }
    let bytes = 120 + String(message).length;
    for (const r of rest) {
      try { bytes += r === undefined ? 0 : r instanceof Error ? String(r.message).length + String(r.stack || '').length : String(JSON.stringify(r) ?? '').length; } catch { bytes += 100; }
    }
    bytes *= level === 'error' ? 2 : 1; // an error goes to both files
    if (b.bytes + bytes > b.limit) {
      b.dropped += 1;
      b.droppedBytes += bytes;
      return false;
    }
    b.bytes += bytes;
    return true;
  }
}

module.exports = { BoundedLoggerAdapter, LOG_FILES, refusedToClient };
