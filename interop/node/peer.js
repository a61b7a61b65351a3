#!/usr/bin/env node
'use strict';
// An independent gRPC peer for acitrace's interop tests: @grpc/grpc-js traced by OpenTelemetry JS
// (instrumentation-grpc, W3C trace context + W3C baggage propagators). Nothing here knows acitrace.
//
//   node peer.js serve [--host 127.0.0.1] [--port 0] [--listen unix:///path.sock] [--spans FILE]
//       Serves acitrace.interop.v1.Interop (proto/acitrace/interop/v1/interop.proto) on host:port, or on
//       --listen (any grpc-js address). Prints {"type":"listening","port":N,"address":"..."} first. Exits
//       when its standard input closes, or on SIGTERM/SIGINT.
//   node peer.js call --target HOST:PORT|unix:///path.sock --method package.Service/Method [--proto FILE] [--include DIR]...
//       [--request JSON] [--baggage KEY=VALUE]... [--metadata KEY=VALUE]... [--deadline-ms N]
//       [--root-span NAME] [--spans FILE]
//       Calls any unary or server-streaming method of any service in FILE (default: the interop proto),
//       with the request given as proto3 JSON, from a context carrying the baggage entries (values are
//       taken as given, Unicode included; the propagator percent-encodes them) and optionally inside an
//       INTERNAL root span. Extra metadata is sent as given (after the propagators ran, so a
//       --metadata traceparent=... or baggage=... replaces what they wrote). Prints one line per response
//       {"type":"message","message":{...}}, then {"type":"status","code":N,"details":"...",
//       "metadata":{...}}. Exit code 0 whenever the call ended (whatever its status), 2 on bad usage.
//
// Every span is printed as a JSON line {"type":"span", ...} on standard output, or appended to FILE with
// --spans: traceId, spanId, parentSpanId, name, kind (SERVER/CLIENT/INTERNAL), status (UNSET/OK/ERROR),
// statusMessage, attributes. Lines are written synchronously when the span ends.

const fs = require('node:fs');
const path = require('node:path');

// Tracing first: the instrumentation patches @grpc/grpc-js when it is loaded, so it must be registered
// before anything requires it.
const api = require('@opentelemetry/api');
const { CompositePropagator, W3CTraceContextPropagator, W3CBaggagePropagator, ExportResultCode } =
  require('@opentelemetry/core');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { GrpcInstrumentation } = require('@opentelemetry/instrumentation-grpc');

const DEFAULT_PROTO = path.join(__dirname, 'proto', 'acitrace', 'interop', 'v1', 'interop.proto');
const KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUSES = ['UNSET', 'OK', 'ERROR'];

function usage(message) {
  process.stderr.write(`peer.js: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const mode = argv[0];
  const options = { include: [], baggage: [], metadata: [] };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      usage(`unexpected argument ${JSON.stringify(arg)}`);
    }
    const name = arg.slice(2);
    if (i + 1 >= argv.length) {
      usage(`${arg} needs a value`);
    }
    const value = argv[++i];
    if (Array.isArray(options[name])) {
      options[name].push(value);
    } else {
      options[name] = value;
    }
  }
  return { mode, options };
}

function keyValue(option, text) {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    usage(`--${option} wants KEY=VALUE, got ${JSON.stringify(text)}`);
  }
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** Writes each ended span as one JSON line, synchronously (a test reads them as soon as a call returns). */
class JsonLineSpanExporter {
  constructor(file) {
    this.file = file;
  }

  export(spans, resultCallback) {
    let text = '';
    for (const span of spans) {
      const context = span.spanContext();
      text += JSON.stringify({
        type: 'span',
        traceId: context.traceId,
        spanId: context.spanId,
        parentSpanId: span.parentSpanContext ? span.parentSpanContext.spanId : '',
        name: span.name,
        kind: KINDS[span.kind] || String(span.kind),
        status: STATUSES[span.status.code] || String(span.status.code),
        statusMessage: span.status.message || '',
        attributes: span.attributes,
      }) + '\n';
    }
    if (this.file) {
      fs.appendFileSync(this.file, text);
    } else {
      fs.writeSync(1, text);
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  shutdown() {
    return Promise.resolve();
  }

  forceFlush() {
    return Promise.resolve();
  }
}

function setUpTracing(spansFile) {
  const provider = new NodeTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new JsonLineSpanExporter(spansFile))],
  });
  provider.register({
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  });
  registerInstrumentations({ instrumentations: [new GrpcInstrumentation()] });
  return provider;
}

function printLine(object) {
  fs.writeSync(1, JSON.stringify(object) + '\n');
}

function loadProto(file, includeDirs) {
  const protoLoader = require('@grpc/proto-loader');
  return protoLoader.loadSync(file, {
    keepCase: true,
    longs: String,
    enums: String,
    bytes: String,
    defaults: true,
    oneofs: true,
    includeDirs,
  });
}

function metadataObject(metadata) {
  const result = {};
  if (!metadata) {
    return result;
  }
  for (const [key, value] of Object.entries(metadata.getMap())) {
    result[key] = Buffer.isBuffer(value) ? value.toString('base64') : String(value);
  }
  return result;
}

// ---- serve: the interop service -------------------------------------------------------------------

function observe(call) {
  const span = api.trace.getActiveSpan();
  const spanContext = span ? span.spanContext() : api.INVALID_SPAN_CONTEXT;
  const bag = api.propagation.getActiveBaggage();
  const baggage = {};
  if (bag) {
    for (const [key, entry] of bag.getAllEntries()) {
      baggage[key] = entry.value;
    }
  }
  const header = name => call.metadata.get(name).map(v => String(v)).join('\n');
  return {
    peer: 'node',
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    traceparent: header('traceparent'),
    baggage_header: header('baggage'),
    baggage,
  };
}

function serve(options) {
  const grpc = require('@grpc/grpc-js');
  const definition = loadProto(DEFAULT_PROTO, []);
  const service = definition['acitrace.interop.v1.Interop'];
  const clients = new Map();
  const clientFor = target => {
    if (!clients.has(target)) {
      clients.set(target, new grpc.Client(target, grpc.credentials.createInsecure()));
    }
    return clients.get(target);
  };
  const failure = code => ({ code, details: `failed as asked (code ${code})` });

  const unary = (call, callback) => {
    const own = observe(call);
    const request = call.request;
    if (request.next.length === 0) {
      if (request.fail_code) {
        callback(failure(request.fail_code));
      } else {
        callback(null, { hops: [own], index: 0 });
      }
      return;
    }
    const downstream = { ...request, next: request.next.slice(1) };
    const method = service.Unary;
    clientFor(request.next[0]).makeUnaryRequest(method.path, method.requestSerialize,
      method.responseDeserialize, downstream, new grpc.Metadata(), {}, (error, reply) => {
        if (error) {
          callback({ code: error.code, details: error.details });
        } else {
          callback(null, { hops: [own, ...reply.hops], index: 0 });
        }
      });
  };

  const serverStream = call => {
    const own = observe(call);
    const request = call.request;
    const count = Math.max(1, request.count);
    if (request.next.length === 0) {
      for (let i = 0; i < count; i++) {
        call.write({ hops: [own], index: i });
        if (request.fail_code) {
          call.emit('error', Object.assign(new Error(failure(request.fail_code).details),
            failure(request.fail_code)));
          return;
        }
      }
      call.end();
      return;
    }
    const downstream = { ...request, next: request.next.slice(1) };
    const method = service.ServerStream;
    const inner = clientFor(request.next[0]).makeServerStreamRequest(method.path,
      method.requestSerialize, method.responseDeserialize, downstream, new grpc.Metadata(), {});
    inner.on('data', reply => call.write({ hops: [own, ...reply.hops], index: reply.index }));
    inner.on('error', error => call.emit('error', Object.assign(new Error(error.details),
      { code: error.code, details: error.details })));
    inner.on('end', () => call.end());
  };

  const server = new grpc.Server();
  server.addService(service, { Unary: unary, ServerStream: serverStream });
  const address = options.listen || `${options.host || '127.0.0.1'}:${options.port || 0}`;
  server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      process.stderr.write(`peer.js: cannot listen on ${address}: ${error.message}\n`);
      process.exit(1);
    }
    printLine({ type: 'listening', port, address });
  });
  const stop = () => {
    server.forceShutdown();
    for (const client of clients.values()) {
      client.close();
    }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

// ---- call: any unary or server-streaming method -----------------------------------------------------

function call(options, provider) {
  if (!options.target) {
    usage('call needs --target HOST:PORT');
  }
  if (!options.method || !/^[^/]+\/[^/]+$/.test(options.method.replace(/^\//, ''))) {
    usage('call needs --method package.Service/Method');
  }
  const [serviceName, methodName] = options.method.replace(/^\//, '').split('/');
  const definition = loadProto(options.proto || DEFAULT_PROTO, options.include);
  const service = definition[serviceName];
  if (!service || typeof service !== 'object' || !service[methodName]) {
    usage(`no method ${methodName} in service ${serviceName} of ${options.proto || DEFAULT_PROTO}`);
  }
  const method = service[methodName];
  if (method.requestStream) {
    usage(`${options.method} is client-streaming: only unary and server-streaming calls are supported`);
  }
  let request;
  try {
    request = JSON.parse(options.request || '{}');
  } catch (error) {
    usage(`--request is not JSON: ${error.message}`);
  }
  const grpc = require('@grpc/grpc-js');
  const entries = {};
  for (const text of options.baggage) {
    const [key, value] = keyValue('baggage', text);
    entries[key] = { value };
  }
  const metadata = new grpc.Metadata();
  const extra = options.metadata.map(text => keyValue('metadata', text));
  const callOptions = {};
  if (options['deadline-ms']) {
    callOptions.deadline = new Date(Date.now() + Number(options['deadline-ms']));
  }
  // Extra metadata goes in after the propagators: an interceptor runs when the call starts.
  const interceptor = (interceptorOptions, nextCall) => new grpc.InterceptingCall(
    nextCall(interceptorOptions), {
      start(outgoing, listener, next) {
        for (const [key, value] of extra) {
          outgoing.set(key, value);
        }
        next(outgoing, listener);
      },
    });
  callOptions.interceptors = [interceptor];

  const client = new grpc.Client(options.target, grpc.credentials.createInsecure());
  const tracer = api.trace.getTracer('acitrace-interop-peer');
  let context = api.context.active();
  if (Object.keys(entries).length > 0) {
    context = api.propagation.setBaggage(context, api.propagation.createBaggage(entries));
  }
  let rootSpan;
  if (options['root-span']) {
    rootSpan = tracer.startSpan(options['root-span'], { kind: api.SpanKind.INTERNAL }, context);
    context = api.trace.setSpan(context, rootSpan);
  }

  const finish = (code, details, trailers) => {
    printLine({ type: 'status', code, details: details || '', metadata: metadataObject(trailers) });
    if (rootSpan) {
      rootSpan.end();
    }
    client.close();
    // instrumentation ends its span before the application's callback; flush and leave
    setImmediate(() => provider.forceFlush().then(() => provider.shutdown()).then(() => process.exit(0)));
  };

  api.context.with(context, () => {
    if (method.responseStream) {
      const stream = client.makeServerStreamRequest(method.path, method.requestSerialize,
        method.responseDeserialize, request, metadata, callOptions);
      let errored = false;
      stream.on('data', message => printLine({ type: 'message', message }));
      stream.on('error', error => {
        errored = true;
        finish(error.code, error.details, error.metadata);
      });
      stream.on('status', status => {
        if (!errored && status.code === grpc.status.OK) {
          finish(status.code, status.details, status.metadata);
        }
      });
    } else {
      client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize,
        request, metadata, callOptions, (error, message) => {
          if (error) {
            finish(error.code, error.details, error.metadata);
          } else {
            printLine({ type: 'message', message });
            finish(grpc.status.OK, '', undefined);
          }
        });
    }
  });
}

function main() {
  const { mode, options } = parseArgs(process.argv.slice(2));
  if (mode !== 'serve' && mode !== 'call') {
    usage('usage: peer.js serve [options] | peer.js call [options] (see the comment at the top)');
  }
  const provider = setUpTracing(options.spans);
  if (mode === 'serve') {
    serve(options);
  } else {
    call(options, provider);
  }
}

main();
