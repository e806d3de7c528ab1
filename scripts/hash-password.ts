// `npm run hash-password`: reads a password (twice, without echo) or from stdin when piped, and
// prints the scrypt hash to put in opsdeck.yml under portal.users[].password_hash.
import { hashPassword } from "@opsdeck/core";
import { readPassword } from "./read-password.ts";

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
