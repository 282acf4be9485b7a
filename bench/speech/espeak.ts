import { createProviders, ProvidersConfigSchema } from '@visemo/providers';
import { GrammarRecognizer } from '@visemo/speech';
import { SUPPORT_DOMAIN } from '../../packages/speech/test/support/customer-support-domain.js';
import type { BenchRow } from '../table.js';
import { benchSentences } from './alignment.js';
import { measureIntelligibility, measureSpeech, type Voice } from './voices.js';

/**
 * eSpeak NG beside the other embedded voices: the same speed, pitch and lip-sync measures as
 * `voices`, for its US English voice (with the grammar recognizer's intelligibility) and its
 * French one, over French requests and replies of a support agent. The synthesizer is built the
 * way an agent gets it, through `providers.tts: - type: espeak`.
 */

/** Everyday requests to a shop's support line, one sentence each. */
const FRENCH_SENTENCES = [
  'Bonjour, je voudrais savoir où en est ma commande.',
  'Pouvez-vous me dire quand le colis arrivera ?',
  'Je souhaite annuler mon abonnement.',
  'Quels sont vos horaires d’ouverture le samedi ?',
  'Mon numéro de commande est le quatre cent douze.',
  'J’ai été débité deux fois pour le même achat.',
  'Est-ce que je peux changer l’adresse de livraison ?',
  'Le produit est arrivé cassé, que dois-je faire ?',
  'Je voudrais parler à un conseiller, s’il vous plaît.',
  'Combien coûte la livraison express ?',
  'Acceptez-vous le paiement par carte bancaire ?',
  'Merci beaucoup pour votre aide, bonne journée.',
  'Je n’ai pas reçu l’e-mail de confirmation.',
  'Pouvez-vous répéter plus lentement, s’il vous plaît ?',
  'Il me faudrait une facture pour mon entreprise.',
  'Est-ce que ce modèle existe en bleu ?',
  'Je voudrais retourner une paire de chaussures.',
  'Mon mot de passe ne fonctionne plus.',
  'Vous livrez en Belgique et en Suisse ?',
  'À quelle heure fermez-vous ce soir ?',
  'La taille est trop petite, je peux l’échanger ?',
  'Combien de temps prend un remboursement ?',
  'Je suis très content du service, merci.',
  'Où se trouve le magasin le plus proche ?',
  'Mon colis est marqué livré, mais je ne l’ai pas.',
  'Peut-on payer en trois fois sans frais ?',
  'Le site m’affiche une erreur au paiement.',
  'Je voudrais modifier ma commande avant l’envoi.',
  'Avez-vous un numéro de téléphone pour le service client ?',
  'C’est tout pour aujourd’hui, au revoir.',
];

const FRENCH_REPLIES = [
  'Merci de votre appel. Je m’appelle Ada, comment puis-je vous aider ?',
  'Votre commande est partie hier. Elle devrait arriver vendredi, avant midi.',
  'Je suis désolée pour ce problème. Je vérifie l’adresse de livraison.',
  'Nous livrons en France, en Belgique et en Suisse. La livraison est offerte dès cinquante euros.',
  'Votre remboursement est en cours. Il peut prendre cinq jours ouvrés.',
];

export async function benchEspeak(quick: boolean): Promise<BenchRow[]> {
  const count = quick ? 10 : 30;
  const providers = createProviders(ProvidersConfigSchema.parse({ tts: [{ type: 'espeak' }] }), {});
  const synthesizer = providers.tts;
  if (!synthesizer) throw new Error('no espeak synthesizer was built');
  const recognizer = await GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN });
  const rows: BenchRow[] = [];
  try {
    // The first sentence loads the engine and its 24 MB of voice data.
    const t0 = performance.now();
    await synthesizer.synthesize({ text: 'Bonjour.', voice: 'fr' });
    rows.push({
      name: 'espeak: first sentence, loading the engine',
      value: performance.now() - t0,
      unit: 'ms',
    });
    const english: Voice = { label: 'espeak en-us', synthesizer, voice: 'en-us' };
    process.stderr.write(`  ${english.label}\n`);
    rows.push(...(await measureSpeech(english, benchSentences(count))));
    rows.push(...(await measureIntelligibility(english, recognizer)));
    const french: Voice = { label: 'espeak fr', synthesizer, voice: 'fr' };
    process.stderr.write(`  ${french.label}\n`);
    rows.push(...(await measureSpeech(french, FRENCH_SENTENCES.slice(0, count), FRENCH_REPLIES)));
  } finally {
    recognizer.close();
    await providers.close();
  }
  return rows;
}
