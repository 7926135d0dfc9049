import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface GitHttpsServer {
  /** `https://127.0.0.1:<port>/` */
  url: string;
  /** The self-signed certificate, for GIT_SSL_CAINFO. */
  caFile: string;
  /** Every request's Authorization header ("" when none was sent). */
  authorizations: string[];
  close(): Promise<void>;
}

/**
 * A real git smart-HTTP server on loopback over TLS: `git http-backend` (CGI) serving the
 * bare repositories under `root`, behind a Node https server that answers 401 unless the
 * request carries `Authorization: <requiredAuth>`.
 */
export async function startGitHttpsServer(
  root: string,
  requiredAuth: string,
): Promise<GitHttpsServer> {
  const dir = mkdtempSync(join(tmpdir(), "ampa-git-tls-"));
  const [keyFile, caFile] = [join(dir, "key.pem"), join(dir, "cert.pem")];
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
      ...["-keyout", keyFile, "-out", caFile, "-subj", "/CN=127.0.0.1"],
      ...["-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  const authorizations: string[] = [];
  const server = createServer(
    { key: readFileSync(keyFile), cert: readFileSync(caFile) },
    (req, res) => {
      const auth = req.headers.authorization ?? "";
      authorizations.push(auth);
      if (auth !== requiredAuth) {
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end();
        return;
      }
      httpBackend(root, req, res);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/`,
    caFile,
    authorizations,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `git http-backend` for one request and relays its CGI answer. */
function httpBackend(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "https://127.0.0.1");
  const cgi = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
    },
  });
  req.pipe(cgi.stdin);
  const chunks: Buffer[] = [];
  cgi.stdout.on("data", (c: Buffer) => chunks.push(c));
  cgi.on("close", () => {
    const out = Buffer.concat(chunks);
    const end = out.indexOf("\r\n\r\n");
    const head = out.subarray(0, end).toString("latin1");
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.split("\r\n")) {
      const [name = "", ...rest] = line.split(":");
      const value = rest.join(":").trim();
      if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
      else if (name) headers[name] = value;
    }
    res.writeHead(status, headers).end(out.subarray(end + 4));
  });
}
