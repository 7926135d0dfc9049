import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { scanForCanary } from "./canary.js";

/**
 * A real HTTP server on loopback speaking the Lambda Invoke API
 * (`POST /2015-03-31/functions/<name>/invocations`), for the Lambda client pointed at it
 * by AMPA_LAMBDA_ENDPOINT. It runs nothing: it records each invocation and answers as the
 * deployed function (or Lambda itself) would.
 */

export interface Invocation {
  functionName: string;
  invocationType: string;
  payload: unknown;
}

/** What one invocation gets. */
export type LambdaAnswer =
  /** The function returned this value. */
  | { result: unknown }
  /** The function threw, or Lambda stopped it (`Sandbox.Timedout`): HTTP 200 and a header. */
  | { functionError: { errorType: string; errorMessage: string } }
  /** Lambda refused the call itself (no such function: 404 ResourceNotFoundException). */
  | { status: number; errorType: string; message: string };

export interface FakeLambda {
  /** The endpoint, `http://127.0.0.1:<port>`. */
  url: string;
  invocations: Invocation[];
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export async function startFakeLambda(
  answer: (invocation: Invocation) => LambdaAnswer,
): Promise<FakeLambda> {
  const invocations: Invocation[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += String(chunk)));
    req.on("end", () => {
      const match = INVOKE_PATH.exec(req.url ?? "");
      if (req.method !== "POST" || !match) {
        res.writeHead(404).end();
        return;
      }
      scanForCanary("lambda request", body);
      const invocation: Invocation = {
        functionName: decodeURIComponent(match[1] ?? ""),
        invocationType: String(req.headers["x-amz-invocation-type"] ?? "RequestResponse"),
        payload: JSON.parse(body || "null") as unknown,
      };
      invocations.push(invocation);
      const a = answer(invocation);
      if ("result" in a) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(a.result));
      } else if ("functionError" in a) {
        res
          .writeHead(200, {
            "content-type": "application/json",
            "x-amz-function-error": "Unhandled",
          })
          .end(JSON.stringify(a.functionError));
      } else {
        res
          .writeHead(a.status, {
            "content-type": "application/json",
            "x-amzn-errortype": a.errorType,
          })
          .end(JSON.stringify({ Type: "User", message: a.message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
