export const handler = async (): Promise<never> => {
  // Never yields: only terminating the worker can stop it.
  for (;;) {
    /* spin */
  }
};
