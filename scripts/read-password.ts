// Reading a password at a terminal without echo, or from stdin when piped.
import { createInterface } from "node:readline/promises";

export async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let data = "";
    for await (const chunk of process.stdin) data += chunk;
    return data.replace(/\r?\n$/, "");
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void };
  out._writeToOutput = (s) => process.stdout.write(s.startsWith(prompt) ? prompt : "");
  const answer = await rl.question(prompt);
  rl.close();
  process.stdout.write("\n");
  return answer;
}
