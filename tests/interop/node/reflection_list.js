#!/usr/bin/env node
// Lists and describes the services of a gRPC server by server reflection, with @grpc/grpc-js and
// @grpc/proto-loader (installed by install.sh into .tools/grpc-js; run with NODE_PATH pointing at
// its node_modules).
//
//   node reflection_list.js --target HOST:PORT [--v1] [--timeout_s 10]
//
// On ONE ServerReflectionInfo stream of grpc.reflection.v1alpha (or grpc.reflection.v1 with --v1),
// whose client is built by proto-loader from Debian's /usr/share/grpc-proto reflection.proto:
//   1. list_services;
//   2. for each service, file_containing_symbol, then file_by_filename for every dependency not
//      returned yet, until the set of files is closed under imports;
//   3. every file is decoded as a google.protobuf.FileDescriptorProto, the set is loaded by
//      proto-loader (loadFileDescriptorSetFromBuffer) and each service must come out of it with
//      its methods, their paths, streaming flags and message types.
// stdout: one JSON line {"services": [names in server order],
//   "methods": {"<service>": [{"name", "path", "request", "response", "client_streaming",
//                              "server_streaming"}]}}
// stderr: "ok <service>: <n> methods" or "FAIL ...".
// Exit status: 0 = every service described, 1 = a lookup or description failed, 2 = the RPC failed.
'use strict';

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const descriptor = require('protobufjs/ext/descriptor');

const REFLECTION_PROTO = {
  v1: '/usr/share/grpc-proto/grpc/reflection/v1/reflection.proto',
  v1alpha: '/usr/share/grpc-proto/grpc/reflection/v1alpha/reflection.proto',
};

function parseArguments(argv) {
  const args = { target: null, version: 'v1alpha', timeoutSeconds: 10 };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--target': args.target = argv[++i]; break;
      case '--v1': args.version = 'v1'; break;
      case '--timeout_s': args.timeoutSeconds = Number(argv[++i]); break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!args.target) {
    throw new Error('--target HOST:PORT is required');
  }
  return args;
}

function reflectionClient(version, target) {
  const definition = protoLoader.loadSync(REFLECTION_PROTO[version], { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const service = grpc.loadPackageDefinition(definition).grpc.reflection[version].ServerReflection;
  return new service(target, grpc.credentials.createInsecure());
}

// One request, one response, in order, on a single bidi stream.
class ReflectionStream {
  constructor(client, host, deadline) {
    this.host = host;
    this.waiting = [];
    this.call = client.ServerReflectionInfo({ deadline });
    this.call.on('data', (response) => this.waiting.shift().resolve(response));
    this.call.on('error', (error) => this.failAll(error));
    this.call.on('end', () => this.failAll(new Error('the server ended the stream')));
  }

  ask(request) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write({ host: this.host, ...request });
    });
  }

  failAll(error) {
    for (const pending of this.waiting.splice(0)) {
      pending.reject(error);
    }
  }

  close() {
    this.call.end();
    this.call.cancel();
  }
}

function checkResponse(response, what) {
  if (response.message_response === 'error_response') {
    throw new Error(`${what}: error ${response.error_response.error_code} ${response.error_response.error_message}`);
  }
  return response;
}

async function collectFiles(stream, symbol, files) {
  const response = checkResponse(await stream.ask({ file_containing_symbol: symbol }), symbol);
  if (response.message_response !== 'file_descriptor_response') {
    throw new Error(`${symbol}: got ${response.message_response}, not file_descriptor_response`);
  }
  let pending = response.file_descriptor_response.file_descriptor_proto;
  while (pending.length > 0) {
    const missing = new Set();
    for (const bytes of pending) {
      const file = descriptor.FileDescriptorProto.decode(bytes);
      files.set(file.name, bytes);
      for (const dependency of file.dependency || []) {
        missing.add(dependency);
      }
    }
    pending = [];
    for (const name of missing) {
      if (!files.has(name)) {
        const byName = checkResponse(await stream.ask({ file_by_filename: name }), name);
        pending.push(...byName.file_descriptor_response.file_descriptor_proto);
      }
    }
  }
}

function describe(service, files) {
  const decoded = [...files.values()].map((bytes) => descriptor.FileDescriptorProto.decode(bytes));
  let declared = null;
  for (const file of decoded) {
    for (const candidate of file.service || []) {
      if ((file.package ? `${file.package}.${candidate.name}` : candidate.name) === service) {
        declared = candidate;
      }
    }
  }
  if (declared === null) {
    throw new Error(`${service}: none of ${[...files.keys()].join(', ')} declares it`);
  }

  // What a grpc-js client is made from: proto-loader's definition of the whole set of files.
  const set = descriptor.FileDescriptorSet.encode({ file: decoded }).finish();
  const definition = protoLoader.loadFileDescriptorSetFromBuffer(set, { keepCase: true });
  const loaded = definition[service];
  if (!loaded || typeof loaded !== 'object') {
    throw new Error(`${service}: proto-loader did not load it from the returned descriptors`);
  }
  const described = [];
  for (const method of declared.method || []) {
    const request = method.inputType.replace(/^\./, '');
    const response = method.outputType.replace(/^\./, '');
    const entry = loaded[method.name];
    const path = `/${service}/${method.name}`;
    if (!entry || entry.path !== path) {
      throw new Error(`${path}: not loaded by proto-loader (got ${entry && entry.path})`);
    }
    if (entry.requestStream !== Boolean(method.clientStreaming) || entry.responseStream !== Boolean(method.serverStreaming)) {
      throw new Error(`${path}: streaming flags differ between the descriptor and proto-loader`);
    }
    for (const type of [request, response]) {
      if (!definition[type] || !String(definition[type].format).startsWith('Protocol Buffer 3 DescriptorProto')) {
        throw new Error(`${path}: message type ${type} is missing from the returned descriptors`);
      }
    }
    described.push({ name: method.name, path, request, response, client_streaming: entry.requestStream, server_streaming: entry.responseStream });
  }
  if (described.length === 0) {
    throw new Error(`${service}: declares no methods`);
  }
  // The client constructor grpc-js would use for calls.
  const constructor = service.split('.').reduce((scope, part) => scope && scope[part], grpc.loadPackageDefinition(definition));
  if (typeof constructor !== 'function' || typeof constructor.service !== 'object') {
    throw new Error(`${service}: grpc-js made no client constructor`);
  }
  return described;
}

async function main() {
  let args;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const client = reflectionClient(args.version, args.target);
  const stream = new ReflectionStream(client, args.target.replace(/:\d+$/, ''), new Date(Date.now() + args.timeoutSeconds * 1000));
  let exitCode = 0;
  try {
    const listed = checkResponse(await stream.ask({ list_services: '*' }), 'list_services');
    const services = listed.list_services_response.service.map((s) => s.name);
    if (services.length === 0) {
      process.stderr.write('FAIL: the server listed no services\n');
      exitCode = 1;
    }
    const methods = {};
    for (const service of services) {
      try {
        const files = new Map();
        await collectFiles(stream, service, files);
        methods[service] = describe(service, files);
        process.stderr.write(`ok ${service}: ${methods[service].length} methods\n`);
      } catch (error) {
        if (error.code !== undefined) {
          throw error;
        }
        process.stderr.write(`FAIL ${error.message}\n`);
        exitCode = 1;
      }
    }
    process.stdout.write(`${JSON.stringify({ services, methods })}\n`);
  } catch (error) {
    process.stderr.write(`RPC_ERROR ${error.code !== undefined ? grpc.status[error.code] : ''} ${error.message}\n`);
    exitCode = 2;
  } finally {
    stream.close();
    client.close();
  }
  return exitCode;
}

main().then((code) => { process.exitCode = code; });
