/**
 * The EM wire endpoint (SPEC 2): the profile's servlet paths, case-sensitive, POST (and GET when
 * `allowGet`), always HTTP 200 with an XML body for anything it processes (SPEC 2.3).
 *
 * Bodies over 64 KiB are answered with HTTP 200 and code 1, not 413: SPEC 2.3 reserves non-200
 * statuses for "service absent or unreachable", and an oversized message is a malformed one.
 * The limit is enforced while reading, so a huge body is never buffered.
 *
 * Each node of a cluster (CONTROL.md "Several nodes") has its own Fastify instance and so its own
 * routes: a node in mode `unavailable` answers HTTP 503 with a small HTML body as Tomcat does while
 * the service is stopped; in mode `hang` it keeps the request and never answers, and closes the
 * connections it held (without an answer) when the mode changes again.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmService } from './em-service.js';
import { extractXmlField, type FormResult } from './form.js';

export const EM_BODY_LIMIT_BYTES = 64 * 1024;
const SERVLET_PATH = '/emservice/EMServiceServlet';
/** SPEC 13: the 4.0-era capitalisation is also served by profile 4.1. */
const LEGACY_PATH = '/EMservice/EMServiceServlet';
const XML_CONTENT_TYPE = 'text/xml; charset=UTF-8';

const UNAVAILABLE_HTML =
  '<!doctype html><html><head><title>HTTP Status 503 - Service Unavailable</title></head>' +
  '<body><h1>HTTP Status 503 - Service Unavailable</h1></body></html>';

export function registerEmRoutes(app: FastifyInstance, service: EmService, node = 1): void {
  const held = new Set<Socket>();
  const release = () => {
    for (const socket of held) socket.destroy();
    held.clear();
  };
  service.onNodeMode((index, mode) => {
    if (index === node && mode !== 'hang') release();
  });
  app.addHook('onClose', async () => release());
  // Before any body is read: a stopped or hung node does not look at the request.
  const gate = async (request: FastifyRequest, reply: FastifyReply) => {
    const mode = service.nodeMode(node);
    if (mode === 'unavailable') {
      return reply.code(503).header('content-type', 'text/html;charset=utf-8').send(UNAVAILABLE_HTML);
    }
    if (mode === 'hang') {
      reply.hijack();
      const socket = request.raw.socket;
      held.add(socket);
      socket.once('close', () => held.delete(socket));
    }
    return undefined;
  };
  // Encapsulated so that its body parsing and error handling never touch the control plane.
  app.register(async (em) => {
    em.removeAllContentTypeParsers();
    em.addContentTypeParser('*', { parseAs: 'string', bodyLimit: EM_BODY_LIMIT_BYTES }, (_req, body, done) =>
      done(null, body),
    );
    // Oversized or unreadable bodies never reach the handler; they are still EM requests
    // the service processed, so they get HTTP 200 and code 1 (SPEC 5 step 1).
    em.setErrorHandler(async (error, _request, reply) => {
      const reason = (error as { code?: string }).code ?? 'unreadable body';
      return sendXml(
        reply,
        await service.handle({ ok: false, reason }, { remoteAddress: '', viaHeader: false, node }),
      );
    });

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.routeOptions.url === LEGACY_PATH && service.profile !== '4.1') {
        return reply.code(404).type('text/plain').send('Not Found');
      }
      let form: FormResult;
      if (request.method === 'GET' || request.method === 'HEAD') {
        if (!service.params.allowGet) return reply.code(405).header('allow', 'POST').send();
        const queryAt = request.url.indexOf('?');
        form = extractXmlField(
          queryAt === -1 ? '' : request.url.slice(queryAt + 1),
          service.params.acceptUnencodedForm,
        );
      } else {
        const body = typeof request.body === 'string' ? request.body : '';
        form = extractXmlField(body, service.params.acceptUnencodedForm);
      }
      const xml = await service.handle(form, {
        remoteAddress: request.socket.remoteAddress ?? '',
        viaHeader: request.headers.via !== undefined,
        node,
      });
      return sendXml(reply, xml);
    };

    for (const url of [SERVLET_PATH, LEGACY_PATH]) {
      em.route({ method: ['GET', 'POST'], url, onRequest: gate, handler });
    }
  });
}

function sendXml(reply: FastifyReply, xml: string): FastifyReply {
  return reply.code(200).header('content-type', XML_CONTENT_TYPE).send(xml);
}
