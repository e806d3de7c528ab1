/** The request's own fault (a bad parameter or cursor): answered 400 with the message. */
export class BadRequest extends Error {}
