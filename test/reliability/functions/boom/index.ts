export const handler = async (): Promise<never> => {
  throw new Error('boom: the feature failed');
};
