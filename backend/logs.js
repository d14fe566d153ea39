// Parse Server's log files, bounded. Parse writes every refused request (each 4xx) to its two
// daily files at "error" level with a stack trace, about 1 KB twice, and keeps every day's files:
// a client refused a thousand times a second grew them by about 7 GB an hour. Here the same two
// files are written with a size cap per file and a number of files kept (the oldest removed),
// and a refusal is logged as its code and message alone (without the stack, or the object
// Cloud Code refused).
'use strict';
const path = require('path');

// Parse's own logger and the modules it is built on, resolved from Parse's location (they are
// its dependencies, not ours).
const parseDir = path.dirname(require.resolve('parse-server/package.json'));
const fromParse = (name) => require(require.resolve(name, { paths: [parseDir] }));
const { addTransport } = require('parse-server/lib/Adapters/Logger/WinstonLogger');
const winston = fromParse('winston');
const DailyRotateFile = fromParse('winston-daily-rotate-file');

/** Parse.Error's INTERNAL_SERVER_ERROR: the one code that is the server's fault. */
const INTERNAL = 1;
const MESSAGE_CHARS = 500;

/** A refusal (a Parse error with a code other than INTERNAL_SERVER_ERROR) without its stack and
 * with its message cut short: the client's mistake, not the server's, need not fill the disk. */
const shortRefusals = winston.format((info) => {
  const refused = (code) => typeof code === 'number' && code !== INTERNAL;
  if (refused(info.code)) {
    delete info.stack;
  } else if (info.triggerType && refused(info.error?.code)) {
    // Cloud Code's refusal, logged by Parse with the refused object (up to 1,000 characters).
    info.message = `${info.triggerType} failed for ${info.className} for user ${info.user}: ${info.error.message}`;
  } else {
    return info;
  }
  if (typeof info.message === 'string' && info.message.length > MESSAGE_CHARS) {
    info.message = `${info.message.slice(0, MESSAGE_CHARS)}…`;
  }
  return info;
});

/** Replaces Parse's two file transports (all levels, errors) in `folder` by the same files with
 * at most `maxBytes` per file (e.g. "50m") and `maxFiles` files each. Call after `new ParseServer`. */
function boundLogs({ folder, level, maxBytes, maxFiles }) {
  const format = winston.format.combine(shortRefusals(), winston.format.timestamp(), winston.format.splat(), winston.format.json());
  const file = (name, filename, fileLevel) => {
    const transport = new DailyRotateFile({ dirname: folder, filename, level: fileLevel, maxSize: maxBytes, maxFiles, format });
    transport.name = name;
    addTransport(transport);
  };
  file('parse-server', 'parse-server.info', level);
  file('parse-server-error', 'parse-server.err', 'error');
}

module.exports = { boundLogs };
