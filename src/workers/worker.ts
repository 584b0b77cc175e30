/** A background loop owned by the runtime: started after the database, stopped before it closes. */
export interface Worker {
  name: string;
  stop(): Promise<void>;
}
