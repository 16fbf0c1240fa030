declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  }
  export interface Result {
    requests: Histogram & { total: number; sent: number };
    latency: Histogram;
    throughput: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    duration: number;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    overallRate?: number;
    pipelining?: number;
    headers?: Record<string, string>;
    requests?: {
      path?: string;
      method?: string;
      headers?: Record<string, string>;
      /** Called before each request is sent; what it returns is sent. */
      setupRequest?: (request: { path?: string }) => { path?: string };
    }[];
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
