// The three handlers on @stickycalls/fetch-adapter, served by node:http on 127.0.0.1: what
// a contact centre runs outside Twilio Functions (a container, a VM). The demo starts it
// with `--runtime fetch` instead of twilio-run, with the same stand-ins for Twilio's cloud
// preloaded (twilio-preload.cjs), and the same settings in its environment.
//   node --require twilio-preload.cjs fetch-server.mjs <port>
import { createServer } from 'node:http';
import {
  createCallerContextHandler,
  createSaveContextHandler,
  createWrapupEventHandler,
} from '@stickycalls/fetch-adapter';
import { toNodeListener } from '@stickycalls/fetch-adapter/node';

const port = Number(process.argv[2]);
// Settings come from this process's environment, read at each request.
const routes = {
  '/caller-context': toNodeListener(createCallerContextHandler()),
  '/save-context': toNodeListener(createSaveContextHandler({ allowedOrigin: 'https://flex.twilio.com' })),
  '/wrapup-event': toNodeListener(createWrapupEventHandler()),
};

createServer((request, response) => {
  const route = routes[new URL(request.url ?? '/', 'http://localhost').pathname];
  if (route === undefined) {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such handler"}');
    return;
  }
  route(request, response);
}).listen(port, '127.0.0.1');
