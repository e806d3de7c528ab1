// Local stand-ins for DingTalk and WeCom robots that check their real protocol: DingTalk's
// signature (timestamp + "\n" + secret, HmacSHA256, base64, URL-encoded; an hour of validity),
// keywords, payload shape, 20 messages a minute per robot, byte limits, and both providers'
// real error codes inside HTTP 200 bodies. And a real SMTP server (smtp-server, with STARTTLS
// and AUTH), whose mail is parsed back with mailparser.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

const WINDOW_MS = 60_000;

interface Received {
  robot: string;
  at: number;
  msgtype: string;
  title?: string;
  text: string;
  body: Record<string, unknown>;
}

function httpStandin(handle: (url: URL, body: string) => { errcode: number; errmsg: string }) {
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const out = handle(new URL(req.url!, "http://x"), body);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
    });
  });
  return {
    server,
    async listen() {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Counts sends per robot in a sliding minute; over the limit answers the provider's code. */
function rateLimiter(limit: number) {
  const sends = new Map<string, number[]>();
  let violations = 0;
  return {
    get violations() {
      return violations;
    },
    /** false if this request is over the limit. */
    take(robot: string, now: number) {
      const list = (sends.get(robot) ?? []).filter((t) => t > now - WINDOW_MS);
      sends.set(robot, list);
      if (list.length >= limit) {
        violations++;
        return false;
      }
      list.push(now);
      return true;
    },
  };
}

/**
 * The notifier's section for one signed robot, "ops-robot" (secret SEC-ops-robot), at a DingTalk
 * stand-in's `url`, with every alert routed to it: what the whole-stack tests and benches use.
 */
export const opsRobotNotifier = (url: string) => ({
  channels: {
    "ops-robot": {
      type: "dingtalk",
      access_token: "ops-robot",
      secret: "SEC-ops-robot",
      base_url: url,
      rate_per_minute: 600,
    },
  },
  receivers: { default: { channels: ["ops-robot"] } },
});

export interface DingtalkRobot {
  secret?: string;
  keyword?: string;
  /** Answer every message with this errcode (e.g. 310000, 400102). */
  failWith?: { errcode: number; errmsg: string };
}

export async function dingtalkStandin(robots: Record<string, DingtalkRobot>, opts: { ratePerMinute?: number } = {}) {
  const received: Received[] = [];
  const limiter = rateLimiter(opts.ratePerMinute ?? 20);
  const rejected: { robot: string; errcode: number }[] = [];
  const s = httpStandin((url, raw) => {
    const answer = (errcode: number, errmsg: string) => {
      if (errcode) rejected.push({ robot: url.searchParams.get("access_token") ?? "", errcode });
      return { errcode, errmsg };
    };
    if (url.pathname !== "/robot/send") return answer(404, "not found");
    const token = url.searchParams.get("access_token") ?? "";
    const robot = robots[token];
    if (!token) return answer(300001, "token is empty");
    if (!robot) return answer(300005, "token is not exist");
    if (robot.failWith) return answer(robot.failWith.errcode, robot.failWith.errmsg);
    if (robot.secret) {
      const ts = Number(url.searchParams.get("timestamp"));
      const sign = url.searchParams.get("sign") ?? "";
      if (!ts || Math.abs(Date.now() - ts) > 3_600_000)
        return answer(310000, "sign not match, more: [timestamp is invalid]");
      const expected = createHmac("sha256", robot.secret).update(`${ts}\n${robot.secret}`).digest("base64");
      // searchParams has already URL-decoded the sign once, as DingTalk does.
      const a = Buffer.from(sign);
      const b = Buffer.from(expected);
      if (a.length !== b.length || !timingSafeEqual(a, b)) return answer(310000, "sign not match");
    }
    let body: Record<string, any>;
    try {
      body = JSON.parse(raw);
    } catch {
      return answer(40035, "缺少参数 json");
    }
    const msgtype = body.msgtype;
    let text: string;
    let title: string | undefined;
    if (msgtype === "markdown") {
      if (typeof body.markdown?.title !== "string" || typeof body.markdown?.text !== "string")
        return answer(40035, "缺少参数 markdown");
      text = body.markdown.text;
      title = body.markdown.title;
    } else if (msgtype === "text") {
      if (typeof body.text?.content !== "string") return answer(40035, "缺少参数 text");
      text = body.text.content;
    } else return answer(40035, `不合法的消息类型 ${msgtype}`);
    // DingTalk measures the whole request body (title, JSON escaping and the `at` block included).
    if (Buffer.byteLength(raw) > 20_000) return answer(460101, "message too long, exceed 20000 bytes");
    if (robot.keyword && !text.includes(robot.keyword) && !(title ?? "").includes(robot.keyword))
      return answer(310000, "keywords not in content");
    if (!limiter.take(token, Date.now())) return answer(130101, "send too fast, exceed 20 times per minute");
    received.push({ robot: token, at: Date.now(), msgtype, title, text, body });
    return answer(0, "ok");
  });
  const url = await s.listen();
  return {
    url,
    received,
    rejected,
    get violations() {
      return limiter.violations;
    },
    close: s.close,
  };
}

export async function wecomStandin(keys: string[], opts: { ratePerMinute?: number } = {}) {
  const received: Received[] = [];
  const limiter = rateLimiter(opts.ratePerMinute ?? 20);
  const rejected: { robot: string; errcode: number }[] = [];
  const s = httpStandin((url, raw) => {
    const key = url.searchParams.get("key") ?? "";
    const answer = (errcode: number, errmsg: string) => {
      if (errcode) rejected.push({ robot: key, errcode });
      return { errcode, errmsg };
    };
    if (url.pathname !== "/cgi-bin/webhook/send" || !keys.includes(key))
      return answer(93000, "invalid webhook url, hint: [1700000000_0_abc]");
    let body: Record<string, any>;
    try {
      body = JSON.parse(raw);
    } catch {
      return answer(40058, "invalid json");
    }
    let text: string;
    if (body.msgtype === "markdown") {
      text = body.markdown?.content;
      if (typeof text !== "string") return answer(40058, "markdown.content missing");
      if (Buffer.byteLength(text) > 4096) return answer(40058, "markdown.content exceed max length 4096");
    } else if (body.msgtype === "text") {
      text = body.text?.content;
      if (typeof text !== "string") return answer(40058, "text.content missing");
      if (Buffer.byteLength(text) > 2048) return answer(40058, "text.content exceed max length 2048");
    } else return answer(40008, "invalid message type");
    if (!limiter.take(key, Date.now())) return answer(45009, "api freq out of limit");
    received.push({ robot: key, at: Date.now(), msgtype: body.msgtype, text, body });
    return answer(0, "ok");
  });
  const url = await s.listen();
  return {
    url,
    received,
    rejected,
    get violations() {
      return limiter.violations;
    },
    close: s.close,
  };
}

export interface Mail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId?: string;
  references?: string | string[];
  secure: boolean;
  user?: string;
}

/** A real SMTP server: STARTTLS with its built-in test certificate, AUTH PLAIN/LOGIN. */
export async function smtpStandin(users: Record<string, string>) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: false,
    onAuth(auth, _session, cb) {
      if (users[auth.username ?? ""] === auth.password) return cb(null, { user: auth.username });
      cb(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((m) => {
          mails.push({
            from: m.from?.text ?? "",
            to: Array.isArray(m.to) ? m.to.map((t) => t.text).join(", ") : (m.to?.text ?? ""),
            subject: m.subject ?? "",
            text: m.text ?? "",
            html: typeof m.html === "string" ? m.html : "",
            messageId: m.messageId,
            references: m.references,
            secure: session.secure,
            user: session.user as string | undefined,
          });
          cb();
        })
        .catch(cb);
    },
    logger: false,
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.server.address() as { port: number }).port;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}
