import nodemailer from 'nodemailer';
import type { Config } from '../config.js';

/**
 * Emails about a person's own account (password reset links, repeated wrong phone PINs). With
 * ROOST_SMTP_URL unset, `enabled` is false and nothing is sent: the pages then say so instead.
 * A failure to send is logged without the message text (a reset link is a credential).
 */
export interface AccountMail {
  readonly enabled: boolean;
  send(mail: { to: string; subject: string; text: string }): Promise<void>;
}

export function createAccountMail(deps: {
  config: Pick<Config, 'smtpUrl' | 'mailFrom'>;
  log?: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}): AccountMail & { close(): void } {
  const { config, log } = deps;
  if (!config.smtpUrl) return { enabled: false, send: async () => {}, close: () => {} };
  const transport = nodemailer.createTransport(config.smtpUrl);
  return {
    enabled: true,
    async send(mail) {
      try {
        await transport.sendMail({ from: config.mailFrom, ...mail });
        log?.info({ subject: mail.subject }, 'account email sent');
      } catch (error) {
        log?.error({ err: { message: (error as Error)?.message?.slice(0, 200) } }, 'account email not sent');
      }
    },
    close: () => transport.close(),
  };
}
