export { createNotifications } from './create-notifications.js';
export { emailChannel, type EmailChannelOptions } from './email-channel.js';
export { DIGEST_JOB, notificationJobs, type DigestJobs, type DigestPayload } from './digest-job.js';
export { notificationsOptions, type NotificationsOptions } from './notifications-options.js';
export type { Digest, Notification, NotificationChannel, NotificationData, Recipient } from './notification-channel.js';
export type { DeliveryMode, Notifications, NotifyInput, NotifyReport, Preference } from './notifications-types.js';
