// prom-client's index also loads Histogram, Summary (tdigest, bintrees), Pushgateway and
// @opentelemetry/api, none of which /metrics uses: importing the three classes from their
// own files keeps them out of the metrics bundle. Those files ship no declarations, so
// each is typed here as the class prom-client's own types declare (value and type).
declare module "prom-client/lib/registry.js" {
  import { Registry } from "prom-client";
  export default Registry;
}

declare module "prom-client/lib/counter.js" {
  import { Counter } from "prom-client";
  export default Counter;
}

declare module "prom-client/lib/gauge.js" {
  import { Gauge } from "prom-client";
  export default Gauge;
}
