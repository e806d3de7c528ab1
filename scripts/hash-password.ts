// `npm run hash-password`: reads a password (twice, without echo) or from stdin when piped, and
// prints the scrypt hash to put in opsdeck.yml under portal.users[].password_hash.
import { createInterface } from "node:readline/promises";
import { hashPassword } from "@opsdeck/core";

async function readPassword(prompt: string): Promise<string> {
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

const password = await readPassword("password: ");
if (process.stdin.isTTY && (await readPassword("again: ")) !== password) {
  console.error("the passwords differ");
  process.exit(1);
}
if (password.length < 10) {
  console.error("use at least 10 characters");
  process.exit(1);
}
console.log(await hashPassword(password));
