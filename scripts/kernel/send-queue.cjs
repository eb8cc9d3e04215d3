// zeromq 6 allows one send in flight per socket: a socket sends up to 512 messages at once, then
// postpones the next to the end of the event-loop turn, and any other send() on it before then
// throws EBUSY ("Socket is busy writing"). tslab 1.0.22 never waits for a send, so a cell that
// prints or updates a display fast enough kills the kernel. Here every socket the kernel makes
// queues its sends: one starts only after the previous one on that socket has settled.
"use strict";

// zeromq's native sockets are not extensible: the queue tails live beside them.
const tails = new WeakMap();

/**
 * A subclass of a zeromq socket class whose send() goes through a per-socket queue.
 * defaults: constructor options applied unless the caller sets them (the publisher's
 * sendHighWaterMark: 0, so that queued output is never dropped by zeromq's high-water mark).
 * onFailure(error, socket): told of a send that failed (the queue goes on with the next).
 */
function queuedSocketClass(Base, defaults, onFailure) {
  const Queued = class extends Base {
    constructor(options) {
      super({ ...defaults, ...options });
      tails.set(this, Promise.resolve());
    }

    send(message) {
      const sent = tails.get(this).then(() => super.send(message));
      tails.set(
        this,
        sent.then(
          () => undefined,
          (error) => onFailure(error, this)
        )
      );
      // The caller (tslab) may ignore the promise; failures are reported through onFailure.
      sent.catch(() => undefined);
      return sent;
    }
  };
  Object.defineProperty(Queued, "name", { value: `Queued${Base.name}` });
  return Queued;
}

/** Resolves once every send queued so far on the socket has settled. */
function sendsSettled(socket) {
  return tails.get(socket) ?? Promise.resolve();
}

/**
 * Replaces the socket classes tslab creates (Publisher for iopub, Router for shell, control and
 * stdin, Reply for heartbeat) in the zeromq module object tslab reads them from.
 */
function installSendQueues(zmq, onFailure) {
  const original = { Publisher: zmq.Publisher, Router: zmq.Router, Reply: zmq.Reply };
  zmq.Publisher = queuedSocketClass(original.Publisher, { sendHighWaterMark: 0 }, onFailure);
  zmq.Router = queuedSocketClass(original.Router, {}, onFailure);
  zmq.Reply = queuedSocketClass(original.Reply, {}, onFailure);
  return original;
}

module.exports = { queuedSocketClass, sendsSettled, installSendQueues };
