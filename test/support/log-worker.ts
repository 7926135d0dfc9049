// A separate process that logs through createLogger, so a test can read what reaches stdout.
import type { LogFormat } from "../../src/lib/core/config.js";
import { createLogger } from "../../src/lib/runtime/log.js";
import { registerSecret } from "../../src/lib/core/secrets.js";

const [secret = "", webhookUrl = "", format = "json"] = process.argv.slice(2);
registerSecret(secret);
const log = createLogger("info", "stdout", format as LogFormat);
log.info({ config: { nested: [secret] } }, `starting with ${secret}`);
log.error({ err: new Error(`could not reach ${webhookUrl}`) }, "delivery failed");
