export async function benchProviders(): Promise<{ name: string; value: number; unit: string }[]> {
  return [];
}
