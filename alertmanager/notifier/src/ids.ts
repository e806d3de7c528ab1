import { randomBytes } from "node:crypto";

/** Time-ordered ids: sort as strings in arrival order, unique without coordination. */
export const newId = (now = Date.now()) => `${now.toString(36).padStart(9, "0")}-${randomBytes(5).toString("hex")}`;
