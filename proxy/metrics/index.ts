// Prometheus helpers shared by the areas that register metrics (cache, index). Imports only prom-client.
export { collectedCounter } from './collected-counter.js'
